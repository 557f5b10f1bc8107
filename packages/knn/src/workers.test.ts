import { SdError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { KnnIndex } from './knn-index.js'
import { mulberry32 } from './random.js'

const d = 32
const n = 20_000
const rand = mulberry32(11)
const rows = Float32Array.from({ length: n * d }, () => rand() - 0.5)
const queries = Float32Array.from({ length: 64 * d }, () => rand() - 0.5)
const metadata = Array.from({ length: n }, (_, i) => ({ group: i % 100 }))

async function rejection(promise: Promise<unknown>): Promise<SdError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SdError)
  return error as SdError
}

describe('searchBatch on worker threads', () => {
  it('gives the same results as the calling thread, filtered or not, and stops its workers on close', async () => {
    const main = new KnnIndex({ dimension: d, metric: 'euclidean', workers: 0 })
    const pooled = new KnnIndex({ dimension: d, metric: 'euclidean', workers: 2 })
    for (const index of [main, pooled]) index.addVectors(rows, metadata)
    expect(pooled.workerCount).toBe(0) // started on the first large search
    expect(await pooled.searchBatch(queries, 10)).toEqual(await main.searchBatch(queries, 10))
    expect(pooled.workerCount).toBe(2)
    expect(main.workerCount).toBe(0)
    const filter = { group: { $in: [3, 50] } }
    expect(await pooled.searchBatch(queries, 10, { filter })).toEqual(
      await main.searchBatch(queries, 10, { filter }),
    )
    pooled.remove([1, 2, 3])
    main.remove([1, 2, 3])
    expect(await pooled.searchBatch(queries, 5)).toEqual(await main.searchBatch(queries, 5))
    await pooled.close()
    expect(pooled.workerCount).toBe(0)
    expect((await rejection(pooled.searchBatch(queries, 1))).code).toBe('KNN_CLOSED')
  })

  it('stops its workers when the search is aborted', async () => {
    const index = new KnnIndex({ dimension: d, workers: 2 })
    index.addVectors(rows)
    await index.searchBatch(queries, 3)
    expect(index.workerCount).toBe(2)
    const controller = new AbortController()
    const many = new Float32Array(2000 * d).fill(0.25)
    const search = index.searchBatch(many, 10, { signal: controller.signal })
    controller.abort()
    expect((await rejection(search)).code).toBe('ABORTED')
    expect(index.workerCount).toBe(0)
    // and searches again with new workers
    expect((await index.searchBatch(queries, 3)).length).toBe(64)
    expect(index.workerCount).toBe(2)
    await index.close()
  })

  it('searches a vector source in chunks on the workers, with the same results as the calling thread', async () => {
    const big = 150_000 // three 8 MiB chunks at dimension 32, the last one partial
    const rand2 = mulberry32(5)
    const data = Float32Array.from({ length: big * d }, () => rand2() - 0.5)
    let reads = 0
    const source = {
      dimension: d,
      length: big,
      readRows: async (start: number, end: number, out: Float32Array) => {
        reads++
        out.set(data.subarray(start * d, end * d))
        return end - start
      },
    }
    const few = queries.subarray(0, 8 * d)
    const meta = Array.from({ length: big }, (_, i) => ({ part: i % 3 }))
    for (const metric of ['euclidean', 'cosine'] as const) {
      const parallel = KnnIndex.fromVectors(source, { metric, metadata: meta, workers: 2 })
      const single = KnnIndex.fromVectors(source, { metric, metadata: meta, workers: 0 })
      expect(await parallel.searchBatch(few, 10)).toEqual(await single.searchBatch(few, 10))
      expect(parallel.workerCount).toBe(2)
      const filter = { part: { $ne: 1 } }
      expect(await parallel.searchBatch(few, 10, { filter })).toEqual(
        await single.searchBatch(few, 10, { filter }),
      )
      parallel.remove([5, 6])
      single.remove([5, 6])
      expect(await parallel.searchBatch(few, 4)).toEqual(await single.searchBatch(few, 4))
      await parallel.close()
      expect(parallel.workerCount).toBe(0)
    }
    expect(reads).toBeGreaterThan(3)
  })
})
