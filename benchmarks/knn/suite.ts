/**
 * @sd/knn against usearch 2.25.3 and hnswlib-node 3.0.0 on the same clustered vectors (fixed seed,
 * no two rows equal), euclidean, top-10, in one run:
 *
 * 1. Exact search, batches of 64 queries: `KnnIndex.searchBatch` (2 worker threads) against usearch
 *    `exactSearch` (2 threads) and hnswlib-node `BruteforceSearch` (one `searchKnn` per query).
 *    Ground truth is our exact search, cross-checked with usearch's.
 * 2. `addVectors` of every row against hnswlib-node's `addPoint` into a brute-force index.
 * 3. IVF (`nlist` = 1024 at 1M rows) against HNSW (hnswlib-node and usearch): queries/s at
 *    recall@10 >= 0.95 over a sweep of nprobe / ef. The IVF index is saved and searched from its CAR
 *    in a fresh process, for peak RSS.
 * 4. Filtered search at 1% selectivity: recall of our exact and IVF search, and of hnswlib-node HNSW
 *    with its filter callback.
 * 5. `KnnIndex.fromVectors` over the memory-mapped `.npy` (2 worker threads) in a fresh process: peak RSS at 1M rows,
 *    and at 8M rows (4 GiB) when `SD_KNN_LARGE=1`.
 *
 *   pnpm --filter @sd/benchmarks bench knn            (1M x 128)
 *   SD_KNN_LARGE=1 pnpm --filter @sd/benchmarks bench knn   (adds the 8M x 128 fromVectors run)
 *   pnpm --filter @sd/benchmarks bench knn --quick    (100k x 128)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IvfIndex, KnnIndex } from '@sd/knn'
import { createMemoryMappedVectors } from '@sd/mmap-vectors'
import { defaultDataDir } from '../lib/data.ts'
import { type ChildReport, runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, type RatioCheck, ratioCheck, type Suite } from '../lib/suite.ts'
import { timeTasks } from '../lib/timing.ts'
import { compilePackages, runPlainChild } from './compiled.ts'
import { assertDistinct, type Clustered, clusteredNpy, clusteredQueries, readAll } from './data.ts'
import { hnswIndex } from './hnsw-cache.ts'
import { BruteforceSearch, usearch, usearchIndices } from './peers.ts'

const D = 128
const K = 10
const BATCH = 64
const THREADS = 2

function recallOf(got: number[][], truth: number[][]): number {
  let found = 0
  let total = 0
  got.forEach((q, i) => {
    const want = new Set(truth[i])
    total += want.size
    found += q.filter((x) => want.has(x)).length
  })
  return total === 0 ? 1 : found / total
}

function timeOnce<T>(fn: () => T): { value: T; seconds: number } {
  const t0 = performance.now()
  const value = fn()
  return { value, seconds: (performance.now() - t0) / 1000 }
}

async function timeOnceAsync<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t0) / 1000 }
}

export const knnSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const quick = options.quick ?? false
  const large = process.env.SD_KNN_LARGE === '1'
  const rows = quick ? 100_000 : 1_000_000
  const nlist = quick ? 256 : 1024
  const dir = join(options.dataDir ?? defaultDataDir(), 'knn')
  mkdirSync(dir, { recursive: true })
  const params: Clustered = { rows, dimension: D, clusters: quick ? 200 : 1000, seed: 42, spread: 0.35 }
  const label = `${rows / 1e6}M x ${D} clustered, euclidean, k=${K}`
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  const notes: string[] = []

  log(`data: ${label}`)
  const npy = clusteredNpy(dir, params)
  const data = readAll(npy)
  assertDistinct(data, D)
  const queries = clusteredQueries(params, 256)
  const batch = queries.subarray(0, BATCH * D)
  const queriesNpy = join(dir, `queries-${rows}.npy`)
  const qfile = createMemoryMappedVectors(queriesNpy, { dimension: D, mode: 'w+', syncAppends: false })
  qfile.append(queries)
  qfile.close()
  const asArrays = (flat: Float32Array) =>
    Array.from({ length: flat.length / D }, (_, r) => Array.from(flat.subarray(r * D, (r + 1) * D)))
  const queryArrays = asArrays(queries)

  // 2. addVectors against addPoint into hnswlib's brute-force index
  log('addVectors vs hnswlib-node BruteforceSearch.addPoint')
  const sd = new KnnIndex({ dimension: D, metric: 'euclidean', workers: THREADS })
  const added = timeOnce(() => sd.addVectors(data))
  const bf = new BruteforceSearch('l2', D)
  bf.initIndex(rows)
  const rowArrays = asArrays(data) // the peer's input form, built outside its timing
  const bfAdd = timeOnce(() => {
    for (let r = 0; r < rows; r++) bf.addPoint(rowArrays[r] as number[], r)
  })
  rowArrays.length = 0
  measurements.push(
    {
      name: 'sd addVectors (flat Float32Array)',
      dataset: label,
      seconds: added.seconds,
      recordsPerSecond: rows / added.seconds,
    },
    {
      name: 'hnswlib-node BruteforceSearch addPoint (number[] rows)',
      dataset: label,
      seconds: bfAdd.seconds,
      recordsPerSecond: rows / bfAdd.seconds,
    },
  )
  ratios.push(
    ratioCheck(
      'addVectors / hnswlib-node BruteforceSearch addPoint (rows/s)',
      bfAdd.seconds / added.seconds,
      { min: 10 },
    ),
  )

  // ground truth: our exact search, cross-checked with usearch's
  log('ground truth (sd exact, cross-checked with usearch exactSearch)')
  const truthHits = await sd.searchBatch(queries, K)
  const truth = truthHits.map((q) => q.map((h) => h.index))
  const usearchTruth = usearchIndices(
    usearch.exactSearch(data, queries.slice(), D, K, 'l2sq', THREADS).keys,
    256,
    K,
  )
  const agreement = recallOf(usearchTruth, truth)
  notes.push(
    `Ground truth: sd exact top-${K} of 256 queries agrees with usearch exactSearch on ${(agreement * 100).toFixed(2)}% of neighbours (differences are float32 ties).`,
  )
  if (agreement < 0.99) throw new Error(`sd exact and usearch exact disagree: ${agreement}`)
  const truthPath = join(dir, `truth-${rows}.json`)
  writeFileSync(truthPath, JSON.stringify(truth))

  // 1. exact search, interleaved
  log('exact search: batches of 64')
  const batchCopy = batch.slice() // usearch ignores a view's byteOffset
  const batchArrays = queryArrays.slice(0, BATCH)
  let sink = 0
  const exact = await timeTasks(
    {
      'sd searchBatch': async () => {
        const hits = await sd.searchBatch(batch, K)
        sink += hits[0]?.[0]?.index ?? 0
      },
      'usearch exactSearch': () => {
        sink += Number(usearch.exactSearch(data, batchCopy, D, K, 'l2sq', THREADS).keys[0])
      },
      'hnswlib-node BruteforceSearch': () => {
        for (const q of batchArrays) sink += bf.searchKnn(q, K).neighbors[0] ?? 0
      },
    },
    { iterations: quick ? 2 : 3, warmupIterations: 1, rounds: 2 },
  )
  const qps = (task: string) => BATCH / ((exact[task]?.p50Ms ?? Number.NaN) / 1000)
  const exactRows: [string, string][] = [
    ['sd KnnIndex.searchBatch, WASM SIMD, 2 worker threads', 'sd searchBatch'],
    ['usearch exactSearch, 2 threads', 'usearch exactSearch'],
    ['hnswlib-node BruteforceSearch.searchKnn, 1 thread (its API)', 'hnswlib-node BruteforceSearch'],
  ]
  for (const [name, task] of exactRows)
    measurements.push({
      name: `exact: ${name}`,
      dataset: `${label}, ${BATCH} queries`,
      seconds: (exact[task]?.p50Ms ?? 0) / 1000,
      recordsPerSecond: qps(task),
      extra: { unit: 'queries/s' },
    })
  ratios.push(
    ratioCheck('exact q/s: sd / usearch exactSearch', qps('sd searchBatch') / qps('usearch exactSearch'), {
      min: 3,
    }),
    ratioCheck(
      'exact q/s: sd / hnswlib-node BruteforceSearch',
      qps('sd searchBatch') / qps('hnswlib-node BruteforceSearch'),
      { min: 2 },
    ),
  )

  // 4a. filtered exact search at 1%: metadata for every row
  log('filtered search at 1% selectivity')
  const filtered = new KnnIndex({ dimension: D, metric: 'euclidean', workers: THREADS })
  filtered.addVectors(
    data,
    Array.from({ length: rows }, (_, i) => ({ shard: i % 100 })),
  )
  const allowedIds = Int32Array.from({ length: rows / 100 }, (_, j) => j * 100 + 7)
  const allowedRows = new Float32Array(allowedIds.length * D)
  allowedIds.forEach((id, j) => {
    allowedRows.set(data.subarray(id * D, (id + 1) * D), j * D)
  })
  const filteredTruth = usearchIndices(
    usearch.exactSearch(allowedRows, batchCopy, D, K, 'l2sq', THREADS).keys,
    BATCH,
    K,
  ).map((q) => q.map((j) => allowedIds[j] as number))
  const sdFiltered = await timeOnceAsync(() => filtered.searchBatch(batch, K, { filter: { shard: 7 } }))
  const sdFilteredRecall = recallOf(
    sdFiltered.value.map((q) => q.map((h) => h.index)),
    filteredTruth,
  )
  await filtered.close()
  measurements.push({
    name: 'filtered 1%: sd exact searchBatch',
    dataset: `${label}, ${BATCH} queries`,
    seconds: sdFiltered.seconds,
    recordsPerSecond: BATCH / sdFiltered.seconds,
    extra: { recall: sdFilteredRecall },
  })
  ratios.push(ratioCheck('filtered 1%: sd exact recall@10', sdFilteredRecall, { min: 1 }))

  await sd.close()
  bf.initIndex(1) // drop the peer's copy of the rows

  // 3. IVF against HNSW
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
  const { index: hnsw, buildSeconds } = hnswIndex(dir, data, D, npyName)
  notes.push(
    buildSeconds === undefined
      ? 'hnswlib-node HNSW index loaded from the one built by an earlier run (its writeIndexSync/readIndexSync).'
      : `hnswlib-node HNSW build: ${buildSeconds.toFixed(0)} s (addPoint, 1 thread; kept for later runs).`,
  )
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

  // 4b. filtered: HNSW with its filter callback, and our IVF
  hnsw.setEf(hnswPick.ef)
  const hnswFiltered = timeOnce(() =>
    batchArrays.map((q) => hnsw.searchKnn(q, K, (label) => label % 100 === 7).neighbors),
  )
  const hnswFilteredRecall = recallOf(hnswFiltered.value, filteredTruth)
  measurements.push({
    name: `filtered 1%: hnswlib-node HNSW ef=${hnswPick.ef} with its filter callback`,
    dataset: `${label}, ${BATCH} queries`,
    seconds: hnswFiltered.seconds,
    recordsPerSecond: BATCH / hnswFiltered.seconds,
    extra: { recall: hnswFilteredRecall },
  })
  hnsw.initIndex(1)

  // usearch HNSW, for reference (2 threads; its JS API fixes expansion_search when the index is made)
  log('HNSW: usearch (connectivity 16, expansion_add 128, expansion_search 64), 2 threads')
  const uIndex = new usearch.Index({
    dimensions: D,
    metric: 'l2sq',
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 64,
  })
  const uBuild = timeOnce(() =>
    uIndex.add(
      BigUint64Array.from({ length: rows }, (_, i) => BigInt(i)),
      data,
      THREADS,
    ),
  )
  notes.push(`usearch HNSW build: ${uBuild.seconds.toFixed(0)} s (2 threads).`)
  const uRun = timeOnce(() => uIndex.search(queries.slice(), K, THREADS))
  const uRecall = recallOf(usearchIndices(uRun.value.keys, 256, K), truth)
  measurements.push({
    name: 'HNSW: usearch expansion_search=64, 2 threads',
    dataset: `${label}, 256 queries`,
    seconds: uRun.seconds,
    recordsPerSecond: 256 / uRun.seconds,
    extra: { recall: uRecall },
  })

  // 5. fromVectors over the mapped .npy, fresh processes
  log('fromVectors over the memory-mapped .npy (fresh process)')
  const sourceChild = new URL('./source-child.ts', import.meta.url)
  const small = await runChild(sourceChild, [npy, queriesNpy, String(K)])
  measurements.push({
    name: 'exact: sd KnnIndex.fromVectors over @sd/mmap-vectors (pread), 256 queries, 2 worker threads, fresh process',
    dataset: label,
    seconds: small.seconds,
    recordsPerSecond: Number(small.queriesPerSecond),
    peakRssMb: small.peakRssMb,
    extra: { unit: 'queries/s' },
  })
  if (large) {
    const bigParams: Clustered = { ...params, rows: 8_000_000 }
    log('writing 8M x 128 (4 GiB) .npy')
    const bigNpy = clusteredNpy(dir, bigParams)
    const big = await runChild(sourceChild, [bigNpy, queriesNpy, String(K)])
    measurements.push({
      name: 'exact: sd KnnIndex.fromVectors over @sd/mmap-vectors (pread, 4 GiB), 256 queries, 2 worker threads, fresh process',
      dataset: `8M x ${D} clustered, euclidean, k=${K}`,
      seconds: big.seconds,
      recordsPerSecond: Number(big.queriesPerSecond),
      peakRssMb: big.peakRssMb,
      extra: { unit: 'queries/s' },
    })
    ratios.push(ratioCheck('fromVectors 8M x 128 peak RSS / 512 MiB', big.peakRssMb / 512, { max: 1 }))
    ratios.push(
      ratioCheck('fromVectors peak RSS 8M / 1M rows', big.peakRssMb / small.peakRssMb, { max: 1.25 }),
    )
  } else notes.push('The 8M x 128 (4 GiB) fromVectors run needs SD_KNN_LARGE=1.')
  if (Number.isNaN(sink)) throw new Error('NaN sink')
  notes.push(
    'Queries/s is in the records/s column. hnswlib-node searches one query per call on the calling thread (its JS API has no batch or thread option); usearch and sd use 2 threads where noted.',
    'A fresh tsx child process starts at about 85 MiB RSS before it reads anything.',
  )
  return {
    suite: 'knn',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench knn${quick ? ' --quick' : ''}${large ? ' (SD_KNN_LARGE=1)' : ''}`,
    measurements,
    ratios,
    notes,
  }
}
