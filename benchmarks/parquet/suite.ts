/**
 * @sd/parquet against the strongest peers in their fastest forms, every value consumed, in one run:
 * parquet-wasm 0.8 (Arrow batches from `ParquetFile.stream`, at 10,000 and 65,536 rows), DuckDB's
 * columnar chunks (`fetchChunk().getColumns()`) and hyparquet (row group by row group, `onChunk`).
 * sd runs with `workers: 0` and `'auto'`, at 10,000- and 65,536-row batches, cache off.
 *
 * Files (see data.ts): 5M rows x 5 columns (BIGINT, DOUBLE, INTEGER, VARCHAR, BOOLEAN) written by
 * DuckDB (nullable) and by hyparquet-writer (REQUIRED), SNAPPY and ZSTD, row groups of 122,880
 * rows; a string-heavy file (texts of 200-2,000 bytes); a wide file (100 FLOAT columns).
 *
 * Checks: workers 0 >= 1.0x parquet-wasm on every file (each at its best batch size); workers
 * 'auto' >= 1.6x parquet-wasm and >= 2.5x DuckDB chunks on the 5-column files at both batch sizes,
 * time to first batch <= 1.2x that of workers 0; the nullable file >= 0.95x the REQUIRED one;
 * 65,536-row batches >= 10,000-row ones; GC < 10% of a read; peak RSS 10M / 1M rows <= 1.2x (and
 * 80M / 40M <= 1.1x with workers, where RSS settles later) and the read's RSS within 2 x workers x
 * the largest decoded row group + 64 MiB; one decoded 1M-row batch of nullable int64 + double
 * <= 1.3x its 16 MB of values.
 */
import { availableParallelism, loadavg } from 'node:os'
import { PerformanceObserver } from 'node:perf_hooks'
import { DuckDBInstance } from '@duckdb/node-api'
import { closeParquetWorkers, loadParquet } from '@sd/parquet'
import { defaultDataDir } from '../lib/data.ts'
import { runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, type RatioCheck, ratioCheck, type Suite } from '../lib/suite.ts'
import { median, pairedRatio, type Timing, timeTasks } from '../lib/timing.ts'
import {
  type Codec,
  fiveColumns,
  fiveColumnsRequired,
  pairColumns,
  ROW_GROUP,
  textColumn,
  wideColumns,
} from './data.ts'
import { duckRead, hyparquetRead, type ReadResult, sdRead, wasmRead } from './peers.ts'

const MIB = 1024 * 1024
const SIZES = [10_000, 65_536] as const

interface FileCase {
  label: string
  path: string
  rows: number
  fiveColumns: boolean
}

export const parquetSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const quick = options.quick === true
  const dir = options.dataDir ?? defaultDataDir()
  const rows = quick ? 1_000_000 : 5_000_000
  const textRows = quick ? 50_000 : 250_000
  const wideRows = quick ? 100_000 : 500_000
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  const notes: string[] = [
    `workers 'auto' is ${availableParallelism()} threads here; sd runs with cacheEnabled: false (no decoded-batch replay).`,
    'Every reader hands every value to the same kind of consumer: numbers summed (int64 by its 32-bit halves), string lengths summed (offsets, or dictionary offsets through the indices), trues counted; DuckDB chunks and hyparquet give JS values, consumed as such.',
    'Ratios are of median times from interleaved rounds in one process; time to first batch is the median over the timed runs.',
    `1-minute load average when the run started: ${(loadavg()[0] ?? 0).toFixed(2)} (other processes share the cores when it is above 0).`,
  ]
  if (quick)
    notes.push('quick mode: 1M-row files (50k text rows, 100k wide rows); fixed costs weigh more there.')

  log('preparing the files')
  const cases: FileCase[] = []
  for (const codec of ['snappy', 'zstd'] as Codec[]) {
    cases.push({
      label: `5 columns, nullable (DuckDB), ${codec}`,
      path: await fiveColumns(dir, rows, codec),
      rows,
      fiveColumns: true,
    })
    cases.push({
      label: `5 columns, REQUIRED (hyparquet-writer), ${codec}`,
      path: await fiveColumnsRequired(dir, rows, codec),
      rows,
      fiveColumns: true,
    })
  }
  cases.push({
    label: 'text of 200-2,000 bytes',
    path: await textColumn(dir, textRows),
    rows: textRows,
    fiveColumns: false,
  })
  cases.push({
    label: '100 FLOAT columns',
    path: await wideColumns(dir, wideRows),
    rows: wideRows,
    fiveColumns: false,
  })

  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  let sink = 0
  const sdSpeed = new Map<string, Timing>()
  for (const c of cases) {
    log(`${c.label}: ${c.rows.toLocaleString('en-US')} rows`)
    const first = new Map<string, number[]>()
    const run = (name: string, read: () => Promise<ReadResult>) => async () => {
      const r = await read()
      if (r.rows !== c.rows) throw new Error(`${name} read ${r.rows} rows of ${c.rows} from ${c.path}`)
      sink += r.sink
      first.set(name, [...(first.get(name) ?? []), r.firstMs])
    }
    const tasks: Record<string, () => Promise<void>> = {}
    for (const size of SIZES) {
      tasks[`sd workers 0, ${size} rows`] = run(`sd 0 ${size}`, () => sdRead(c.path, size, 0))
      tasks[`sd workers auto, ${size} rows`] = run(`sd auto ${size}`, () => sdRead(c.path, size, 'auto'))
      tasks[`parquet-wasm, ${size} rows`] = run(`wasm ${size}`, () => wasmRead(c.path, size))
    }
    tasks['DuckDB chunks'] = run('duck', () => duckRead(duck, c.path))
    tasks['hyparquet by row group'] = run('hyparquet', () => hyparquetRead(c.path))
    const timings = await timeTasks(tasks, { iterations: quick ? 2 : 3, warmupIterations: 1, rounds: 2 })
    const t = (name: string) => timings[name] as Timing
    for (const [name, timing] of Object.entries(timings)) {
      const key = name.startsWith('sd')
        ? `sd ${name.includes('auto') ? 'auto' : '0'} ${name.match(/\d{5}/)?.[0]}`
        : ''
      const firstMs = key ? median(first.get(key) ?? []) : undefined
      measurements.push({
        name,
        dataset: c.label,
        seconds: timing.p50Ms / 1000,
        recordsPerSecond: c.rows / (timing.p50Ms / 1000),
        extra: {
          samples: timing.samples,
          ...(firstMs === undefined ? {} : { firstBatchMs: Math.round(firstMs * 10) / 10 }),
        },
      })
      if (name.startsWith('sd')) sdSpeed.set(`${c.label}|${name}`, timing)
    }
    // speed ratio: the peer's time over ours (paired round by round)
    const speed = (ours: string, peer: string) => pairedRatio(t(peer), t(ours))
    const wasmBest =
      t('parquet-wasm, 10000 rows').p50Ms <= t('parquet-wasm, 65536 rows').p50Ms
        ? 'parquet-wasm, 10000 rows'
        : 'parquet-wasm, 65536 rows'
    const sdBest =
      t('sd workers 0, 10000 rows').p50Ms <= t('sd workers 0, 65536 rows').p50Ms
        ? 'sd workers 0, 10000 rows'
        : 'sd workers 0, 65536 rows'
    ratios.push(
      ratioCheck(
        `workers 0 vs parquet-wasm, each at its best batch size (${c.label})`,
        speed(sdBest, wasmBest),
        { min: 1 },
      ),
    )
    if (c.fiveColumns) {
      for (const size of SIZES) {
        ratios.push(
          ratioCheck(
            `workers auto vs parquet-wasm at its best, ${size}-row batches (${c.label})`,
            speed(`sd workers auto, ${size} rows`, wasmBest),
            { min: 1.6 },
          ),
          ratioCheck(
            `workers auto vs DuckDB chunks, ${size}-row batches (${c.label})`,
            speed(`sd workers auto, ${size} rows`, 'DuckDB chunks'),
            { min: 2.5 },
          ),
          ratioCheck(
            `time to first batch, workers auto / workers 0, ${size}-row batches (${c.label})`,
            median(first.get(`sd auto ${size}`) ?? []) / median(first.get(`sd 0 ${size}`) ?? []),
            { max: 1.2 },
          ),
        )
      }
      ratios.push(
        ratioCheck(
          `65,536- vs 10,000-row batches, workers 0 (${c.label})`,
          speed('sd workers 0, 65536 rows', 'sd workers 0, 10000 rows'),
          { min: 1 },
        ),
      )
    }
  }
  duck.closeSync()
  await closeParquetWorkers()

  // the nullable file against the REQUIRED one, same rows, same codec, workers 0
  for (const codec of ['snappy', 'zstd']) {
    for (const size of SIZES) {
      const nullable = sdSpeed.get(
        `5 columns, nullable (DuckDB), ${codec}|sd workers 0, ${size} rows`,
      ) as Timing
      const required = sdSpeed.get(
        `5 columns, REQUIRED (hyparquet-writer), ${codec}|sd workers 0, ${size} rows`,
      ) as Timing
      ratios.push(
        ratioCheck(
          `nullable vs REQUIRED file, ${codec}, ${size}-row batches`,
          required.p50Ms / nullable.p50Ms,
          { min: 0.95 },
        ),
      )
    }
  }

  log('GC share of a read (perf_hooks gc entries)')
  const five = (cases[0] as FileCase).path
  for (const size of SIZES) {
    const share = await gcShare(() => sdRead(five, size, 0))
    measurements.push({
      name: `GC share, workers 0, ${size}-row batches`,
      dataset: (cases[0] as FileCase).label,
      seconds: share.seconds,
      extra: { gcPercent: Math.round(share.share * 1000) / 10 },
    })
    ratios.push(ratioCheck(`GC time / read time, workers 0, ${size}-row batches`, share.share, { max: 0.1 }))
  }

  log('peak RSS in fresh processes')
  const small = await fiveColumns(dir, quick ? 200_000 : 1_000_000, 'snappy')
  const middle = await fiveColumns(dir, quick ? 1_000_000 : 5_000_000, 'snappy')
  const large = await fiveColumns(dir, quick ? 2_000_000 : 10_000_000, 'snappy')
  const groupMb = await largestGroupMb(large)
  for (const workers of ['0', 'auto']) {
    const reports = []
    for (const [label, path] of [
      [quick ? '200k rows' : '1M rows', small],
      [quick ? '1M rows' : '5M rows', middle],
      [quick ? '2M rows' : '10M rows', large],
    ] as const) {
      const report = await runChild(new URL('./rss-child.ts', import.meta.url), [
        'read',
        path,
        workers,
        '10000',
      ])
      reports.push(report)
      measurements.push({
        name: `peak RSS, workers ${workers}`,
        dataset: `5 columns, ${label}`,
        seconds: report.seconds,
        recordsPerSecond: report.records / report.seconds,
        peakRssMb: report.peakRssMb,
        extra: { baselineMb: Math.round((report.baselineMb as number) * 10) / 10 },
      })
    }
    const [a, m, b] = reports as [(typeof reports)[0], (typeof reports)[0], (typeof reports)[0]]
    ratios.push(
      ratioCheck(`peak RSS 10x the rows / 1x, workers ${workers}`, b.peakRssMb / a.peakRssMb, { max: 1.2 }),
      // past the few tens of MiB of freed batches V8 lets build up before it collects them (a
      // short 1x read ends before that), the peak no longer moves with the file's size
      ratioCheck(`peak RSS 10x the rows / 5x, workers ${workers}`, b.peakRssMb / m.peakRssMb, { max: 1.1 }),
    )
    if (workers === 'auto') {
      // decode threads allocate the buffers this thread frees: glibc's per-thread arenas keep part
      // of them, so RSS climbs over the first ~20M rows, then stays: passes over 4x and 8x the
      // large file show where it settles
      const longs = []
      for (const times of [4, 8]) {
        const long = await runChild(new URL('./rss-child.ts', import.meta.url), [
          'read',
          large,
          workers,
          '10000',
          String(times),
        ])
        longs.push(long)
        measurements.push({
          name: `peak RSS, workers ${workers}`,
          dataset: `5 columns, ${quick ? '2M' : '10M'} rows read ${times} times in one pass`,
          seconds: long.seconds,
          recordsPerSecond: long.records / long.seconds,
          peakRssMb: long.peakRssMb,
          extra: { baselineMb: Math.round((long.baselineMb as number) * 10) / 10 },
        })
      }
      const [four, eight] = longs as [(typeof longs)[0], (typeof longs)[0]]
      ratios.push(
        ratioCheck(`peak RSS 80x the rows / 40x, workers ${workers}`, eight.peakRssMb / four.peakRssMb, {
          max: 1.1,
        }),
      )
    }
    const threads = workers === 'auto' ? availableParallelism() : 1
    ratios.push(
      ratioCheck(
        `read RSS (peak - baseline) / (2 x ${threads} thread(s) x largest decoded row group + 64 MiB), workers ${workers}`,
        (b.peakRssMb - (b.baselineMb as number)) / (2 * threads * groupMb + 64),
        { max: 1 },
      ),
    )
  }
  const pair = await pairColumns(dir, 1_000_000)
  // RSS after a full GC lands on one of two levels from run to run (freed memory the allocator
  // has or has not handed back yet): five fresh processes, the median one counts, all are listed
  const helds: Awaited<ReturnType<typeof runChild>>[] = []
  for (let run = 0; run < 5; run++)
    helds.push(await runChild(new URL('./rss-child.ts', import.meta.url), ['batch', pair]))
  helds.sort((a, b) => (a.heldMb as number) - (b.heldMb as number))
  const held = helds[2] as (typeof helds)[number]
  notes.push(
    `RSS held by the 1M-row batch in five fresh processes (MiB; the median counts): ${helds.map((h) => (h.heldMb as number).toFixed(1)).join(', ')}.`,
  )
  const raw = (16 * 1_000_000) / MIB
  measurements.push({
    name: 'one decoded 1M-row batch of nullable int64 + double held',
    dataset: '2 columns, 1M rows',
    seconds: held.seconds,
    peakRssMb: held.peakRssMb,
    extra: {
      heldMb: Math.round((held.heldMb as number) * 10) / 10,
      byteSizeMb: Math.round((held.byteSizeMb as number) * 10) / 10,
    },
  })
  ratios.push(
    ratioCheck(
      'RSS held by one 1M-row nullable int64 + double batch / its 16 MB of values',
      (held.heldMb as number) / raw,
      { max: 1.3 },
    ),
  )
  notes.push(
    `the largest decoded row group (${ROW_GROUP.toLocaleString('en-US')} rows of the 5-column file) is ${groupMb.toFixed(1)} MiB (RecordBatch.byteSize).`,
  )

  if (sink === 0) throw new Error('the readers consumed nothing')
  return {
    suite: 'parquet',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench parquet${quick ? ' --quick' : ''}`,
    measurements,
    ratios,
    notes,
  }
}

/** The share of a read's wall time spent in garbage collection (perf_hooks `gc` entries). */
async function gcShare(read: () => Promise<ReadResult>): Promise<{ share: number; seconds: number }> {
  await read() // warm up
  let gcMs = 0
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration
  })
  observer.observe({ entryTypes: ['gc'] })
  const t0 = performance.now()
  await read()
  const ms = performance.now() - t0
  // entries are delivered asynchronously
  await new Promise((r) => setTimeout(r, 50))
  observer.disconnect()
  return { share: gcMs / ms, seconds: ms / 1000 }
}

/** MiB of the largest row group of `path` decoded as one batch. */
async function largestGroupMb(path: string): Promise<number> {
  const batch = await loadParquet(path, { batchSize: ROW_GROUP, cacheEnabled: false, workers: 0 })
    .take(ROW_GROUP)
    .collect()
  return batch.byteSize / MIB
}
