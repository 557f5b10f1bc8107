import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SdError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IvfIndex } from './ivf-index.js'
import { KnnIndex } from './knn-index.js'
import type { Metric } from './metric.js'
import { clustered } from './test-support/clustered.js'
import { hasNumpy, python } from './test-support/numpy.js'

const d = 16
const n = 6000
const nlist = 24
const rows = clustered(n, d, 40, 3)
const queries = clustered(30, d, 40, 4)
const metadata = Array.from({ length: n }, (_, i) => ({ bucket: i % 200, half: i % 2 }))
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sd-ivf-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function build(metric: Metric, workers = 0): Promise<IvfIndex> {
  const ivf = new IvfIndex({ dimension: d, metric, nlist, workers })
  await ivf.train(rows.subarray(0, 3000 * d), { iterations: 8, seed: 7 })
  await ivf.addVectors(rows.subarray(0, 4000 * d), metadata.slice(0, 4000))
  await ivf.addVectors(rows.subarray(4000 * d), metadata.slice(4000))
  return ivf
}

function exact(metric: Metric): KnnIndex {
  const index = new KnnIndex({ dimension: d, metric, workers: 0 })
  index.addVectors(rows, metadata)
  return index
}

const indices = (hits: { index: number }[][]) => hits.map((q) => q.map((h) => h.index))

function recall(got: { index: number }[][], want: { index: number }[][]): number {
  let found = 0
  let total = 0
  got.forEach((q, i) => {
    const truth = new Set(want[i]?.map((h) => h.index))
    total += truth.size
    found += q.filter((h) => truth.has(h.index)).length
  })
  return found / total
}

async function failure(promise: Promise<unknown>): Promise<SdError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdError)
  return error as SdError
}

describe('IvfIndex', () => {
  it.each(['cosine', 'euclidean', 'dot'] as Metric[])(
    '%s: probing every list is exact; a few lists keep high recall; filters are exact when small',
    async (metric) => {
      const ivf = await build(metric, metric === 'euclidean' ? 2 : 0)
      const truth = await exact(metric).searchBatch(queries, 10)
      const everything = await ivf.searchBatch(queries, 10, { nprobe: nlist })
      expect(indices(everything)).toEqual(indices(truth))
      everything.forEach((q, i) => {
        q.forEach((h, j) => {
          expect(h.score).toBeCloseTo(truth[i]?.[j]?.score as number, 5)
        })
      })
      expect(recall(await ivf.searchBatch(queries, 10, { nprobe: 8 }), truth)).toBeGreaterThan(0.9)
      expect(recall(await ivf.searchBatch(queries, 10, { nprobe: 1 }), truth)).toBeLessThan(
        recall(await ivf.searchBatch(queries, 10, { nprobe: 6 }), truth) + 1e-9,
      )
      // 0.5% of rows: fewer than one probed list holds, so the search is exact over them
      const filter = { bucket: { $in: [5] }, half: 1 }
      const filteredTruth = await exact(metric).searchBatch(queries, 10, { filter })
      const filtered = await ivf.searchBatch(queries, 10, { filter, nprobe: 1 })
      expect(indices(filtered)).toEqual(indices(filteredTruth))
      expect(filtered[0]?.length).toBe(10)
      // half the rows, every list probed: exact too
      const halfTruth = await exact(metric).searchBatch(queries, 10, { filter: { half: 0 } })
      expect(indices(await ivf.searchBatch(queries, 10, { filter: { half: 0 }, nprobe: nlist }))).toEqual(
        indices(halfTruth),
      )
      await ivf.close()
    },
  )

  it('saves and reopens without loading its vectors, with identical results, and grows after loading', async () => {
    const ivf = await build('euclidean')
    ivf.remove([1, 2, 3])
    const before = await ivf.searchBatch(queries, 10, { nprobe: 5 })
    const path = join(dir, 'ivf.car')
    const saved = await ivf.save(path)
    const loaded = await IvfIndex.load(path, { workers: 0 })
    expect(loaded.memoryVectorBytes).toBe(0)
    expect(loaded.length).toBe(n - 3)
    expect(await loaded.searchBatch(queries, 10, { nprobe: 5 })).toEqual(before)
    expect(await loaded.searchBatch(queries, 10, { nprobe: 5, filter: { bucket: 7 } })).toEqual(
      await ivf.searchBatch(queries, 10, { nprobe: 5, filter: { bucket: 7 } }),
    )
    expect(loaded.metadata(42)).toEqual(metadata[42])
    // new rows after loading, then saved again and reopened
    const extra = clustered(100, d, 40, 9)
    expect(await loaded.addVectors(extra)).toBe(n)
    const all = new KnnIndex({ dimension: d, metric: 'euclidean', workers: 0 })
    all.addVectors(rows, metadata)
    all.addVectors(extra)
    all.remove([1, 2, 3])
    expect(indices(await loaded.searchBatch(queries, 10, { nprobe: nlist }))).toEqual(
      indices(await all.searchBatch(queries, 10)),
    )
    const again = join(dir, 'ivf2.car')
    await loaded.save(again)
    const reloaded = await IvfIndex.load(again, { workers: 0 })
    expect(indices(await reloaded.searchBatch(queries, 10, { nprobe: nlist }))).toEqual(
      indices(await all.searchBatch(queries, 10)),
    )
    expect(reloaded.metadata(n + 5)).toEqual({ id: String(n + 5) })
    if (hasNumpy()) {
      // the .npy holds the rows list by list
      const shape = python(`a = np.load(${JSON.stringify(saved.npy)}, mmap_mode='r'); print(list(a.shape))`)
      expect(shape.trim()).toBe(`[${n}, ${d}]`)
    }
    await Promise.all([ivf.close(), loaded.close(), reloaded.close()])
    expect((await failure(loaded.search(queries.subarray(0, d), 1))).code).toBe('KNN_CLOSED')
  })

  it('refuses a corrupt saved index, the wrong kind, and use before training', async () => {
    const ivf = await build('cosine')
    const path = join(dir, 'bad.car')
    await ivf.save(path)
    const bytes = readFileSync(path)
    const at = Math.floor(statSync(path).size / 3)
    bytes.writeUInt8(bytes.readUInt8(at) ^ 1, at)
    const flipped = join(dir, 'flipped.car')
    writeFileSync(flipped, bytes)
    expect((await failure(IvfIndex.load(flipped))).code).toBe('CAR_HASH_MISMATCH')
    const copy = join(dir, 'copy.car')
    copyFileSync(path, copy)
    expect((await failure(KnnIndex.load(copy))).code).toBe('KNN_BAD_SAVE')
    const fresh = new IvfIndex({ dimension: d, nlist: 4, workers: 0 })
    expect((await failure(fresh.addVectors(rows.subarray(0, d)))).code).toBe('KNN_NOT_TRAINED')
    expect((await failure(fresh.search(queries.subarray(0, d), 3))).code).toBe('KNN_NOT_TRAINED')
    expect((await failure(fresh.train(rows.subarray(0, 2 * d)))).code).toBe('INVALID_OPTION')
    expect(() => new IvfIndex({ dimension: d, nlist: 0 })).toThrow(/nlist/)
    await ivf.close()
  })

  it('reports each k-means iteration to onProgress, and trains the same centroids with it', async () => {
    const seen: [number, number][] = []
    const watched = new IvfIndex({ dimension: d, nlist, workers: 0 })
    const plain = new IvfIndex({ dimension: d, nlist, workers: 0 })
    const sample = rows.subarray(0, 3000 * d)
    await watched.train(sample, {
      iterations: 5,
      seed: 7,
      onProgress: (done, total) => seen.push([done, total]),
    })
    await plain.train(sample, { iterations: 5, seed: 7 })
    expect(seen).toEqual([1, 2, 3, 4, 5].map((i) => [i, 5]))
    // the same lists: the same vectors land in them and the same searches find the same rows
    await Promise.all([watched.addVectors(rows), plain.addVectors(rows)])
    const q = queries.subarray(0, 5 * d)
    expect(await watched.searchBatch(q, 5, { nprobe: 2 })).toEqual(
      await plain.searchBatch(q, 5, { nprobe: 2 }),
    )
    await Promise.all([watched.close(), plain.close()])
  })
})
