import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SdError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KnnIndex } from './knn-index.js'
import type { Metric } from './metric.js'
import { writeNpy } from './npy.js'
import { mulberry32 } from './random.js'
import { NpyFileSource, readNpy } from './test-support/npy.js'
import { hasNumpy, numpyTopK, type ReferenceCase } from './test-support/numpy.js'
import { type Hit, jsTopK } from './test-support/reference.js'

const n = 5000
const d = 20

/** `count x d` values in [-1, 1) from a seeded generator, written as a `.npy`; the rows as read back. */
async function randomNpy(path: string, count: number, seed: number): Promise<Float32Array> {
  const rand = mulberry32(seed)
  const values = Float32Array.from({ length: count * d }, () => rand() * 2 - 1)
  await writeNpy(path, count, d, [values])
  return readNpy(path).rows
}

describe('KnnIndex.fromVectors over a .npy read by position', () => {
  let dir: string
  let rowsPath: string
  let queriesPath: string
  let rows: Float32Array
  let queries: Float32Array
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sd-knn-source-'))
    rowsPath = join(dir, 'rows.npy')
    queriesPath = join(dir, 'queries.npy')
    rows = await randomNpy(rowsPath, n, 21)
    queries = await randomNpy(queriesPath, 6, 22)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** The plain-JS answer; NumPy (float64, from the same files), where present, must give the same rows. */
  function reference(cases: ReferenceCase[]): Hit[][][] {
    const want = cases.map((c) => {
      const allowed = c.allowed ? new Set(c.allowed) : undefined
      return jsTopK(c.metric, rows, queries, d, c.k, allowed ? (r) => allowed.has(r) : undefined)
    })
    if (hasNumpy()) {
      const numpy = numpyTopK(rowsPath, queriesPath, cases)
      expect(numpy.map((c) => c.map((q) => q.map((h) => h.index)))).toEqual(
        want.map((c) => c.map((q) => q.map((h) => h.index))),
      )
    }
    return want
  }

  it.each(['cosine', 'euclidean', 'dot'] as Metric[])(
    '%s: equals the reference, streams the file, honours filters and remove',
    async (metric) => {
      const source = new NpyFileSource(rowsPath)
      const metadata = Array.from({ length: n }, (_, i) => ({ shard: i % 50, block: Math.floor(i / 1000) }))
      const index = KnnIndex.fromVectors(source, { metric, metadata })
      expect(index.length).toBe(n)
      const k = 8
      const onePercent = Array.from({ length: n }, (_, i) => i).filter((i) => i % 50 === 7)
      const [all, filtered] = reference([
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
    const q = rows.slice(123 * d, 124 * d)
    const hits = await index.search(q, 3)
    expect(hits.map((h) => h.index)).toEqual(
      jsTopK('euclidean', rows, q, d, 3).map((l) => l.map((h) => h.index))[0],
    )
    expect(hits[0]?.score).toBe(1)
    inner.close()
  })
})
