/**
 * The IVF part of the kNN suite: our IVF index (trained, filled, saved as a CAR) searched at the
 * smallest nprobe reaching recall@10 >= 0.95 in fresh plain Node processes, against hnswlib-node's
 * HNSW at the ef reaching the same recall and at the ef reaching 0.95, interleaved round by round.
 */
import { join } from 'node:path'
import { IvfIndex } from '@sd/knn'
import type { ChildReport } from '../lib/rss.ts'
import { type Measurement, type RatioCheck, ratioCheck } from '../lib/suite.ts'
import { compilePackages, runPlainChild } from './compiled.ts'
import type { Clustered } from './data.ts'
import { buildNote, hnswIndex } from './hnsw-cache.ts'
import type { HnswlibHnsw } from './peers.ts'
import { recallOf, timeOnce, timeOnceAsync } from './timing.ts'

/** What the IVF part reads. */
export interface IvfContext {
  dir: string
  params: Clustered
  data: Float32Array
  queries: Float32Array
  queryArrays: number[][]
  queriesNpy: string
  truth: number[][]
  truthPath: string
  nlist: number
  label: string
  k: number
  threads: number
  log: (line: string) => void
}

/** Runs the IVF part; returns its rows, checks and notes, and the HNSW index with the ef reaching 0.95. */
export async function ivfAgainstHnsw(ctx: IvfContext): Promise<{
  measurements: Measurement[]
  ratios: RatioCheck[]
  notes: string[]
  hnsw: HnswlibHnsw
  ef: number
}> {
  const { dir, params, data, queries, queryArrays, queriesNpy, truth, truthPath, nlist, label, log } = ctx
  const K = ctx.k
  const D = params.dimension
  const rows = params.rows
  const THREADS = ctx.threads
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  const notes: string[] = []
  log(`IVF: train nlist=${nlist}, add, save`)
  const ivf = new IvfIndex({ dimension: D, metric: 'euclidean', nlist, workers: THREADS })
  const sampleRows = Math.min(rows, nlist * 64)
  const trained = await timeOnceAsync(() =>
    ivf.train(data.subarray(0, sampleRows * D), { iterations: 10, seed: 1 }),
  )
  const ivfAdded = await timeOnceAsync(() => ivf.addVectors(data))
  const carPath = join(dir, `ivf-${rows}.car`)
  await ivf.save(carPath)
  notes.push(
    `IVF build: k-means on ${sampleRows} rows x 10 iterations ${trained.seconds.toFixed(1)} s, assigning ${rows} rows ${ivfAdded.seconds.toFixed(1)} s (2 threads).`,
  )
  // the smallest nprobe reaching recall@10 >= 0.95 (in memory; a loaded index gives the same hits)
  const sweep: { nprobe: number; recall: number; qps: number }[] = []
  for (const nprobe of [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]) {
    const run = await timeOnceAsync(() => ivf.searchBatch(queries, K, { nprobe }))
    const recall = recallOf(
      run.value.map((q) => q.map((h) => h.index)),
      truth,
    )
    sweep.push({ nprobe, recall, qps: 256 / run.seconds })
    log(
      `  IVF nprobe=${nprobe}: recall ${recall.toFixed(3)}, ${(256 / run.seconds).toFixed(0)} q/s (in memory)`,
    )
    if (recall >= 0.95) break
  }
  await ivf.close()
  const ivfPick = sweep.find((s) => s.recall >= 0.95) ?? (sweep.at(-1) as (typeof sweep)[number])
  notes.push(
    `IVF nprobe sweep (in memory, ${nlist} lists): ${sweep.map((s) => `nprobe=${s.nprobe} recall ${s.recall.toFixed(3)}`).join(', ')}; the search runs at the smallest nprobe reaching 0.95.`,
  )

  log('HNSW: hnswlib-node (M=16, efConstruction=100), 1 thread')
  const npyName = `${rows}x${D}-c${params.clusters}-s${params.seed}-n${params.spread}`
  const { index: hnsw, buildSeconds, loaded } = hnswIndex(dir, data, D, npyName)
  notes.push(buildNote('hnswlib-node HNSW', 'addPoint, 1 thread', buildSeconds, loaded))
  const hnswSweep: { ef: number; recall: number; qps: number }[] = []
  for (const ef of [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]) {
    hnsw.setEf(ef)
    const run = timeOnce(() => queryArrays.map((q) => hnsw.searchKnn(q, K).neighbors))
    const recall = recallOf(run.value, truth)
    hnswSweep.push({ ef, recall, qps: 256 / run.seconds })
    log(`  hnswlib ef=${ef}: recall ${recall.toFixed(3)}, ${(256 / run.seconds).toFixed(0)} q/s`)
    if (recall >= Math.max(0.95, ivfPick.recall)) break
  }
  const lastEf = hnswSweep.at(-1) as (typeof hnswSweep)[number]
  const hnswPick = hnswSweep.find((s) => s.recall >= 0.95) ?? lastEf
  const hnswSame = hnswSweep.find((s) => s.recall >= ivfPick.recall) ?? lastEf

  // interleaved: the IVF search in a fresh plain Node process over the compiled packages (1 thread,
  // then 2 worker threads), and hnswlib-node at both ef values in this process, round after round
  log(`IVF: compile @sd/core and @sd/knn, search the CAR in fresh processes (nprobe=${ivfPick.nprobe})`)
  compilePackages(['core', 'knn'])
  const ivfChildScript = new URL('./ivf-child.mjs', import.meta.url)
  const childArgs = (workers: number) => [
    carPath,
    queriesNpy,
    truthPath,
    String(K),
    String(ivfPick.nprobe),
    String(workers),
    '5',
  ]
  const rounds = 3
  const ivfRuns: { one: ChildReport; two: ChildReport }[] = []
  const hnswTimes: Record<number, number[]> = { [hnswPick.ef]: [], [hnswSame.ef]: [] }
  for (let round = 0; round < rounds; round++) {
    const one = await runPlainChild(ivfChildScript, childArgs(0))
    for (const ef of new Set([hnswPick.ef, hnswSame.ef])) {
      hnsw.setEf(ef)
      const run = timeOnce(() => queryArrays.map((q) => hnsw.searchKnn(q, K).neighbors))
      hnswTimes[ef]?.push(run.seconds)
    }
    const two = await runPlainChild(ivfChildScript, childArgs(THREADS))
    ivfRuns.push({ one, two })
    log(
      `  round ${round + 1}: IVF ${Number(one.queriesPerSecond).toFixed(0)} q/s (1 thread), ${Number(two.queriesPerSecond).toFixed(0)} q/s (2 threads); hnswlib ef=${hnswPick.ef} ${(256 / (hnswTimes[hnswPick.ef]?.at(-1) ?? 1)).toFixed(0)} q/s`,
    )
  }
  const median = (values: number[]) =>
    [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number
  const ivfOne = {
    qps: median(ivfRuns.map((r) => Number(r.one.queriesPerSecond))),
    peakRssMb: Math.max(...ivfRuns.map((r) => r.one.peakRssMb)),
    startRssMb: median(ivfRuns.map((r) => Number(r.one.startRssMb))),
    recall: Number(ivfRuns[0]?.one.recall),
  }
  const ivfTwo = {
    qps: median(ivfRuns.map((r) => Number(r.two.queriesPerSecond))),
    peakRssMb: Math.max(...ivfRuns.map((r) => r.two.peakRssMb)),
  }
  const hnswQps = (ef: number) => 256 / median(hnswTimes[ef] ?? [Number.NaN])
  const ivfName = `IVF: sd IvfIndex loaded from its CAR, nprobe=${ivfPick.nprobe}, fresh plain Node process`
  measurements.push(
    {
      name: `${ivfName}, 1 thread`,
      dataset: `${label}, 256 queries`,
      seconds: 256 / ivfOne.qps,
      recordsPerSecond: ivfOne.qps,
      peakRssMb: ivfOne.peakRssMb,
      extra: { recall: ivfOne.recall, nprobe: ivfPick.nprobe, nlist, startRssMb: ivfOne.startRssMb },
    },
    {
      name: `${ivfName}, 2 worker threads`,
      dataset: `${label}, 256 queries`,
      seconds: 256 / ivfTwo.qps,
      recordsPerSecond: ivfTwo.qps,
      peakRssMb: ivfTwo.peakRssMb,
      extra: { recall: ivfOne.recall, nprobe: ivfPick.nprobe, nlist },
    },
  )
  for (const pick of hnswPick.ef === hnswSame.ef ? [hnswPick] : [hnswPick, hnswSame])
    measurements.push({
      name: `HNSW: hnswlib-node ef=${pick.ef}, 1 thread`,
      dataset: `${label}, 256 queries`,
      seconds: 256 / hnswQps(pick.ef),
      recordsPerSecond: hnswQps(pick.ef),
      extra: { recall: pick.recall, ef: pick.ef },
    })
  ratios.push(
    ratioCheck(
      `IVF q/s, 1 thread (recall ${ivfOne.recall.toFixed(3)}) / hnswlib-node HNSW q/s at the same recall (ef=${hnswSame.ef}, recall ${hnswSame.recall.toFixed(3)})`,
      ivfOne.qps / hnswQps(hnswSame.ef),
      { min: 0.5 },
    ),
    ratioCheck(
      `IVF q/s, 1 thread (recall ${ivfOne.recall.toFixed(3)}) / hnswlib-node HNSW q/s at recall >= 0.95 (ef=${hnswPick.ef}, recall ${hnswPick.recall.toFixed(3)})`,
      ivfOne.qps / hnswQps(hnswPick.ef),
      { min: 0.5 },
    ),
  )
  const vectorMb = (rows * D * 4) / 2 ** 20
  // Node and the modules alone hold more than a quarter of the quick run's 49 MiB of vectors
  if (rows >= 1_000_000)
    ratios.push(
      ratioCheck(
        `IVF peak RSS, 1 thread / (vectors ${vectorMb.toFixed(0)} MiB / 4)`,
        ivfOne.peakRssMb / (vectorMb / 4),
        { max: 1 },
      ),
    )
  notes.push(
    `The IVF search runs in a fresh plain Node process over the compiled packages, as an application would; that process holds ${ivfOne.startRssMb.toFixed(0)} MiB RSS before it opens the index. Its q/s is the median of 5 batches of 256 queries in each of ${rounds} processes, interleaved with hnswlib-node's runs.`,
  )

  return { measurements, ratios, notes, hnsw, ef: hnswPick.ef }
}
