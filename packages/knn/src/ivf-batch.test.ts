import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IvfIndex, type IvfSearchOptions } from './ivf-index.js'
import type { Metric } from './metric.js'
import type { SearchResult } from './results.js'
import { clustered } from './test-support/clustered.js'

const d = 16
const n = 6000
const nlist = 24
const rows = clustered(n, d, 40, 13)
const queries = clustered(60, d, 40, 14)
const metadata = Array.from({ length: n }, (_, i) => ({ bucket: i % 200 }))
// 60 queries x 12 lists of about 250 rows x 16: large enough for the workers
const nprobe = 12
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sd-ivf-batch-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function build(metric: Metric, workers: number): Promise<IvfIndex> {
  const ivf = new IvfIndex({ dimension: d, metric, nlist, workers })
  await ivf.train(rows.subarray(0, 3000 * d), { iterations: 6, seed: 3 })
  await ivf.addVectors(rows, metadata)
  return ivf
}

/** One `search` per query, in turn. */
async function oneByOne(index: IvfIndex, options: IvfSearchOptions): Promise<SearchResult[][]> {
  const out: SearchResult[][] = []
  for (let q = 0; q < queries.length / d; q++)
    out.push(await index.search(queries.subarray(q * d, (q + 1) * d), 10, options))
  return out
}

describe('IvfIndex.searchBatch', () => {
  it.each(['cosine', 'euclidean', 'dot'] as Metric[])(
    '%s: a batch, on the calling thread or the workers, gives what one search per query gives (filtered, after remove, after save and load)',
    async (metric) => {
      const main = await build(metric, 0)
      const pooled = await build(metric, 2)
      const expected = await oneByOne(main, { nprobe })
      expect(expected.every((hits) => hits.length === 10)).toBe(true)
      expect(await main.searchBatch(queries, 10, { nprobe })).toEqual(expected)
      expect(pooled.workerCount).toBe(0)
      expect(await pooled.searchBatch(queries, 10, { nprobe })).toEqual(expected)
      expect(pooled.workerCount).toBe(2)
      expect(main.workerCount).toBe(0)

      // 75% of rows allowed: the probed lists are scanned with the mask
      const filter = { bucket: { $lt: 150 } }
      const filtered = await oneByOne(main, { nprobe, filter })
      expect(filtered.flat().every((h) => (h.metadata.bucket as number) < 150)).toBe(true)
      expect(await main.searchBatch(queries, 10, { nprobe, filter })).toEqual(filtered)
      expect(await pooled.searchBatch(queries, 10, { nprobe, filter })).toEqual(filtered)

      // remove the best hit of every query: never returned again, the rest unchanged
      const gone = [...new Set(expected.map((hits) => (hits[0] as SearchResult).index))]
      for (const index of [main, pooled]) index.remove(gone)
      const afterRemove = await oneByOne(main, { nprobe })
      expect(afterRemove.flat().some((h) => gone.includes(h.index))).toBe(false)
      expect(afterRemove).not.toEqual(expected)
      expect(await main.searchBatch(queries, 10, { nprobe })).toEqual(afterRemove)
      expect(await pooled.searchBatch(queries, 10, { nprobe })).toEqual(afterRemove)

      // saved and loaded (rows read from the file), then grown in memory
      const path = join(dir, `${metric}.car`)
      await pooled.save(path)
      const loaded = await IvfIndex.load(path, { workers: 2 })
      expect(await loaded.searchBatch(queries, 10, { nprobe })).toEqual(afterRemove)
      expect(loaded.workerCount).toBe(2)
      expect(await loaded.searchBatch(queries, 10, { nprobe, filter })).toEqual(
        await oneByOne(loaded, { nprobe, filter }),
      )
      const extra = clustered(500, d, 40, 15)
      await loaded.addVectors(extra)
      await main.addVectors(extra)
      const grown = await oneByOne(loaded, { nprobe })
      expect(grown.flat().some((h) => h.index >= n)).toBe(true)
      expect(grown).toEqual(await oneByOne(main, { nprobe }))
      expect(await loaded.searchBatch(queries, 10, { nprobe })).toEqual(grown)
      await Promise.all([main.close(), pooled.close(), loaded.close()])
      expect(loaded.workerCount).toBe(0)
    },
  )

  it('stops its workers when a batch is aborted, and searches again after', async () => {
    const ivf = await build('euclidean', 2)
    const expected = await ivf.searchBatch(queries, 5, { nprobe })
    expect(ivf.workerCount).toBe(2)
    const controller = new AbortController()
    const search = ivf.searchBatch(queries, 5, { nprobe: nlist, signal: controller.signal })
    controller.abort()
    const error = await search.then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    )
    expect(error?.code).toBe('ABORTED')
    expect(ivf.workerCount).toBe(0)
    expect(await ivf.searchBatch(queries, 5, { nprobe })).toEqual(expected)
    await ivf.close()
  })
})
