/**
 * @sd/core overhead and read-ahead.
 *
 * 1. Overhead: `iterBatches` + read-ahead + stats + an identity `map` over an in-memory source of
 *    1M rows in 10k-row columnar batches, against a bare loop over the same batches; both run the
 *    same consumer (one pass over every value of every column). Target: at most 5% slower.
 * 2. Read-ahead: a source that waits 5 ms per batch (I/O) and a consumer that computes for 5 ms
 *    per batch; `prefetchBatches: 2` against `prefetchBatches: 0`. Target: at most 0.6x the time.
 */
import { type ReadContext, RecordBatch, StreamingDataLoader } from '@sd/core'
import { benchColumns } from '../lib/data.ts'
import { type Measurement, machineInfo, ratioCheck, type Suite } from '../lib/suite.ts'
import { pairedRatio, timeTasks } from '../lib/timing.ts'

function makeBatches(rows: number, batchSize: number): RecordBatch[] {
  const batches: RecordBatch[] = []
  for (let start = 0; start < rows; start += batchSize) {
    const c = benchColumns(start, Math.min(batchSize, rows - start))
    batches.push(
      RecordBatch.fromColumns(
        { id: c.id, value: c.value, label: c.label, flag: Uint8Array.from(c.flag, Number), score: c.score },
        [
          { name: 'id', type: 'int32', nullable: false },
          { name: 'value', type: 'float64', nullable: false },
          { name: 'label', type: 'string', nullable: false },
          { name: 'flag', type: 'bool', nullable: false },
          { name: 'score', type: 'float64', nullable: false },
        ],
      ),
    )
  }
  return batches
}

/** The consumer both sides run: one pass over every value of every column. */
function consume(batch: RecordBatch): number {
  const id = batch.column('id') as Int32Array
  const value = batch.column('value') as Float64Array
  const label = batch.column('label') as string[]
  const flag = batch.column('flag') as Uint8Array
  const score = batch.column('score') as Float64Array
  let acc = 0
  for (let i = 0; i < batch.numRows; i++) {
    acc +=
      (id[i] as number) +
      (value[i] as number) +
      (score[i] as number) +
      (flag[i] as number) +
      (label[i] as string).length
  }
  return acc
}

/** A loader over batches held in memory, as a user would write one. */
class MemoryLoader extends StreamingDataLoader {
  constructor(
    private readonly batches: RecordBatch[],
    options: ConstructorParameters<typeof StreamingDataLoader>[0],
  ) {
    super(options)
  }
  protected *readBatches(_ctx: ReadContext) {
    yield* this.batches
  }
}

/** A loader whose every batch costs `ms` of waiting, like a disk or network read. */
class SlowLoader extends StreamingDataLoader {
  constructor(
    private readonly batches: RecordBatch[],
    private readonly ms: number,
    options: ConstructorParameters<typeof StreamingDataLoader>[0],
  ) {
    super(options)
  }
  protected async *readBatches(_ctx: ReadContext) {
    for (const batch of this.batches) {
      await new Promise((r) => setTimeout(r, this.ms))
      yield batch
    }
  }
}

function busyWait(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // computing on the batch
  }
}

export const coreSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const rows = options.quick ? 200_000 : 1_000_000
  const batchSize = 10_000
  const batches = makeBatches(rows, batchSize)
  const dataset = `${rows / 1e6}M rows, 10k-row batches`
  let sink = 0

  log('core overhead: bare loop vs iterBatches + prefetch + stats + identity map')
  const ds = new MemoryLoader(batches, { batchSize, prefetchBatches: 2, cacheEnabled: false })
    .toDataset()
    .map((b) => b)
  const timings = await timeTasks(
    {
      'bare loop': async () => {
        for (const batch of batches) sink += consume(batch)
      },
      'sd iterBatches + prefetch 2 + stats + map': async () => {
        for await (const batch of ds.iterBatches()) sink += consume(batch)
      },
    },
    { iterations: options.quick ? 10 : 15, warmupIterations: 5, rounds: options.quick ? 2 : 21 },
  )
  const bare = timings['bare loop']
  const ours = timings['sd iterBatches + prefetch 2 + stats + map']
  if (!bare || !ours) throw new Error('core overhead timings missing')

  log('read-ahead: 5 ms source, 5 ms consumer')
  const slowBatches = batches.slice(0, options.quick ? 10 : 40)
  const readAhead: Record<number, number> = {}
  for (const depth of [0, 2]) {
    const slow = new SlowLoader(slowBatches, 5, {
      batchSize,
      prefetchBatches: depth,
      cacheEnabled: false,
    }).toDataset()
    const t = await timeTasks(
      {
        [`prefetch ${depth}`]: async () => {
          for await (const batch of slow.iterBatches()) {
            busyWait(5)
            sink += batch.numRows
          }
        },
      },
      { iterations: options.quick ? 2 : 5, warmupIterations: 1, rounds: 1 },
    )
    readAhead[depth] = t[`prefetch ${depth}`]?.p50Ms ?? Number.NaN
  }
  if (sink === 0) throw new Error('consumer did no work')

  const perSecond = (ms: number) => rows / (ms / 1000)
  const measurements: Measurement[] = [
    {
      name: 'bare loop over the batches',
      dataset,
      seconds: bare.p50Ms / 1000,
      recordsPerSecond: perSecond(bare.p50Ms),
    },
    {
      name: 'iterBatches + prefetch 2 + stats + identity map',
      dataset,
      seconds: ours.p50Ms / 1000,
      recordsPerSecond: perSecond(ours.p50Ms),
    },
    ...[0, 2].map((depth) => ({
      name: `5 ms source + 5 ms consumer, prefetchBatches ${depth}`,
      dataset: `${slowBatches.length} batches`,
      seconds: (readAhead[depth] ?? Number.NaN) / 1000,
    })),
  ]
  return {
    suite: 'core',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench core${options.quick ? ' --quick' : ''}`,
    measurements,
    ratios: [
      ratioCheck('overhead: sd time / bare loop time (median of per-round ratios)', pairedRatio(ours, bare), {
        max: 1.05,
      }),
      ratioCheck('read-ahead: prefetch 2 time / prefetch 0 time', (readAhead[2] ?? 0) / (readAhead[0] ?? 1), {
        max: 0.6,
      }),
    ],
  }
}
