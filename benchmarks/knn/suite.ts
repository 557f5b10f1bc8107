/**
 * @sd/knn against usearch 2.25.3 and hnswlib-node 3.0.0 on the same clustered vectors (fixed seed,
 * no two rows equal), euclidean, top-10, in one run:
 *
 * 1. Exact search, batches of 64 queries: `KnnIndex.searchBatch` (2 worker threads) against usearch
 *    `exactSearch` (2 threads) and hnswlib-node `BruteforceSearch` (one `searchKnn` per query).
 *    Ground truth is our exact search, cross-checked with usearch's.
 * 2. `addVectors` of every row against hnswlib-node's `addPoint` into a brute-force index.
 * 3. IVF (`nlist` = 1024 at 1M rows) against HNSW (hnswlib-node and usearch): the smallest nprobe
 *    reaching recall@10 >= 0.95, against hnswlib-node at the ef reaching the same recall (and at the
 *    ef reaching 0.95). The IVF index is saved and searched from its CAR in fresh plain Node
 *    processes over the compiled packages (1 and 2 threads, peak RSS), interleaved with hnswlib-node
 *    (see ivf-vs-hnsw.ts). hnswlib-node's index is built once and kept beside the data.
 * 4. Filtered search at 1% selectivity: recall of our exact and IVF search, and of hnswlib-node HNSW
 *    with its filter callback.
 * 5. `KnnIndex.fromVectors` over the memory-mapped `.npy` (2 worker threads) in a fresh process: peak RSS at 1M rows,
 *    and at 8M rows (4 GiB) when `SD_KNN_LARGE=1`.
 *
 *   pnpm --filter @sd/benchmarks bench knn            (1M x 128)
 *   SD_KNN_LARGE=1 pnpm --filter @sd/benchmarks bench knn   (adds the 8M x 128 fromVectors run)
 *   pnpm --filter @sd/benchmarks bench knn --quick    (100k x 128)
 *   SD_KNN_ONLY=ivf pnpm --filter @sd/benchmarks bench knn   (only part 3, written as suite knn-ivf)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { KnnIndex } from '@sd/knn'
import { createMemoryMappedVectors } from '@sd/mmap-vectors'
import { defaultDataDir } from '../lib/data.ts'
import { runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, type RatioCheck, ratioCheck, type Suite } from '../lib/suite.ts'
import { timeTasks } from '../lib/timing.ts'
import { assertDistinct, type Clustered, clusteredNpy, clusteredQueries, readAll } from './data.ts'
import { buildNote, usearchHnswIndex } from './hnsw-cache.ts'
import { ivfAgainstHnsw } from './ivf-vs-hnsw.ts'
import { BruteforceSearch, usearch, usearchIndices } from './peers.ts'
import { recallOf, timeOnce, timeOnceAsync } from './timing.ts'

const D = 128
const K = 10
const BATCH = 64
const THREADS = 2

export const knnSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const quick = options.quick ?? false
  const large = process.env.SD_KNN_LARGE === '1'
  const ivfOnly = process.env.SD_KNN_ONLY === 'ivf'
  const rows = quick ? 100_000 : 1_000_000
  const nlist = quick ? 256 : 1024
  const dir = join(options.dataDir ?? defaultDataDir(), 'knn')
  mkdirSync(dir, { recursive: true })
  const params: Clustered = { rows, dimension: D, clusters: quick ? 200 : 1000, seed: 42, spread: 0.35 }
  const label = `${rows / 1e6}M x ${D} clustered, euclidean, k=${K}`
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  const notes: string[] = []

  const result = () => ({
    suite: ivfOnly ? 'knn-ivf' : 'knn',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench knn${quick ? ' --quick' : ''}${large ? ' (SD_KNN_LARGE=1)' : ''}${ivfOnly ? ' (SD_KNN_ONLY=ivf)' : ''}`,
    measurements,
    ratios,
    notes,
  })

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
  const ivfContext = {
    dir,
    params,
    data,
    queries,
    queryArrays,
    queriesNpy,
    truth,
    truthPath,
    nlist,
    label,
    k: K,
    threads: THREADS,
    log,
  }
  if (ivfOnly) {
    await sd.close()
    measurements.push({
      name: 'sd addVectors (flat Float32Array)',
      dataset: label,
      seconds: added.seconds,
      recordsPerSecond: rows / added.seconds,
    })
    const part = await ivfAgainstHnsw(ivfContext)
    measurements.push(...part.measurements)
    ratios.push(...part.ratios)
    notes.push(...part.notes, 'Only the IVF part ran (SD_KNN_ONLY=ivf).')
    part.hnsw.initIndex(1)
    return result()
  }

  log('hnswlib-node BruteforceSearch.addPoint')
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
  const ivfPart = await ivfAgainstHnsw(ivfContext)
  measurements.push(...ivfPart.measurements)
  ratios.push(...ivfPart.ratios)
  notes.push(...ivfPart.notes)
  const hnsw = ivfPart.hnsw

  // 4b. filtered: HNSW with its filter callback, and our IVF
  hnsw.setEf(ivfPart.ef)
  const hnswFiltered = timeOnce(() =>
    batchArrays.map((q) => hnsw.searchKnn(q, K, (label) => label % 100 === 7).neighbors),
  )
  const hnswFilteredRecall = recallOf(hnswFiltered.value, filteredTruth)
  measurements.push({
    name: `filtered 1%: hnswlib-node HNSW ef=${ivfPart.ef} with its filter callback`,
    dataset: `${label}, ${BATCH} queries`,
    seconds: hnswFiltered.seconds,
    recordsPerSecond: BATCH / hnswFiltered.seconds,
    extra: { recall: hnswFilteredRecall },
  })
  hnsw.initIndex(1)

  // usearch HNSW, for reference (2 threads; its JS API fixes expansion_search when the index is made)
  log('HNSW: usearch (connectivity 16, expansion_add 128, expansion_search 64), 2 threads')
  const uCached = usearchHnswIndex(
    dir,
    data,
    D,
    `${rows}x${D}-c${params.clusters}-s${params.seed}-n${params.spread}`,
    THREADS,
  )
  const uIndex = uCached.index
  notes.push(buildNote('usearch HNSW', `${THREADS} threads`, uCached.buildSeconds, uCached.loaded))
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
  return result()
}
