import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SdError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KnnIndex } from './knn-index.js'
import type { Metric } from './metric.js'
import { NpyFileSource, readNpy } from './test-support/npy.js'
import { hasNumpy, numpyRandom, numpyTopK } from './test-support/numpy.js'
import { jsTopK } from './test-support/reference.js'

const n = 5000
const d = 20

describe.skipIf(!hasNumpy())('KnnIndex.fromVectors over a .npy written by NumPy, read by position', () => {
  let dir: string
  let rowsPath: string
  let queriesPath: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sd-knn-source-'))
    rowsPath = join(dir, 'rows.npy')
    queriesPath = join(dir, 'queries.npy')
    numpyRandom(rowsPath, n, d, 21)
    numpyRandom(queriesPath, 6, d, 22)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each(['cosine', 'euclidean', 'dot'] as Metric[])(
    '%s: equals NumPy, streams the file, honours filters and remove',
    async (metric) => {
      const source = new NpyFileSource(rowsPath)
      const queries = readNpy(queriesPath).rows
      const metadata = Array.from({ length: n }, (_, i) => ({ shard: i % 50, block: Math.floor(i / 1000) }))
      const index = KnnIndex.fromVectors(source, { metric, metadata })
      expect(index.length).toBe(n)
      const k = 8
      const onePercent = Array.from({ length: n }, (_, i) => i).filter((i) => i % 50 === 7)
      const [all, filtered] = numpyTopK(rowsPath, queriesPath, [
        { metric, k },
        { metric, k, allowed: onePercent },
      ])
      const got = await index.searchBatch(queries, k)
      expect(got.map((q) => q.map((h) => h.index))).toEqual(all?.map((q) => q.map((h) => h.index)))
      got.forEach((q, i) => {
        q.forEach((h, j) => {
          expect(h.score).toBeCloseTo(all?.[i]?.[j]?.score as number, 5)
        })
      })
      // one pass over the file for the whole batch (euclidean re-reads its k + 16 candidates per query)
      const rerank = metric === 'euclidean' ? 6 * (k + 16) : 0
      expect(source.rowsRead).toBeGreaterThanOrEqual(n)
      expect(source.rowsRead).toBeLessThanOrEqual(n + rerank)
      source.rowsRead = 0
      const few = await index.searchBatch(queries, k, { filter: { shard: 7 } })
      expect(few.map((q) => q.map((h) => h.index))).toEqual(filtered?.map((q) => q.map((h) => h.index)))
      expect(few[0]?.[0]?.metadata).toMatchObject({ shard: 7 })
      // a small allowed set is read row by row: only the 20 rows the filter allows
      source.rowsRead = 0
      const tiny = await index.searchBatch(queries, k, { filter: { shard: 7, block: 2 } })
      expect(source.rowsRead).toBe(metric === 'euclidean' ? 40 : 20)
      expect(tiny[0]?.length).toBe(k)
      expect(tiny.every((q) => q.every((h) => h.index % 50 === 7 && Math.floor(h.index / 1000) === 2))).toBe(
        true,
      )
      const best = got[0]?.[0]?.index as number
      index.remove([best])
      expect((await index.search(queries.subarray(0, d), 1))[0]?.index).toBe(got[0]?.[1]?.index)
      source.close()
    },
  )

  it('refuses addVectors, metadata of the wrong count, and queries of the wrong dimension', async () => {
    const source = new NpyFileSource(rowsPath)
    expect(() => KnnIndex.fromVectors(source, { metadata: [{}] })).toThrow(/Expected 5000 metadata objects/)
    const index = KnnIndex.fromVectors(source)
    expect(() => index.addVectors([new Float32Array(d)])).toThrow(SdError)
    await expect(index.search(new Float32Array(d + 1), 3)).rejects.toThrow(/dimension 20, got dimension 21/)
    source.close()
  })

  it('reads an async source too', async () => {
    const inner = new NpyFileSource(rowsPath)
    const asyncSource = {
      dimension: inner.dimension,
      length: inner.length,
      readRows: async (start: number, end: number, out: Float32Array) => inner.readRows(start, end, out),
    }
    const index = KnnIndex.fromVectors(asyncSource, { metric: 'euclidean' })
    const rows = readNpy(rowsPath).rows
    const q = rows.slice(123 * d, 124 * d)
    const hits = await index.search(q, 3)
    expect(hits.map((h) => h.index)).toEqual(
      jsTopK('euclidean', rows, q, d, 3).map((l) => l.map((h) => h.index))[0],
    )
    expect(hits[0]?.score).toBe(1)
    inner.close()
  })
})
