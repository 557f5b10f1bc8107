import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SdError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KnnIndex } from './knn-index.js'
import type { Metric } from './metric.js'
import { mulberry32 } from './random.js'
import { readNpy } from './test-support/npy.js'
import { hasNumpy, numpyRandom, numpyTopK, type ReferenceCase } from './test-support/numpy.js'
import { type Hit, jsTopK } from './test-support/reference.js'

function expectError(fn: () => unknown, code: string, message?: RegExp): void {
  let error: unknown
  try {
    fn()
  } catch (e) {
    error = e
  }
  expect(error, `expected ${code}`).toBeInstanceOf(SdError)
  expect((error as SdError).code).toBe(code)
  if (message) expect((error as Error).message).toMatch(message)
}

async function expectRejection(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, `expected ${code}`).toBeInstanceOf(SdError)
  expect((error as SdError).code).toBe(code)
  if (message) expect((error as Error).message).toMatch(message)
}

describe('the worked example', () => {
  const vectors = [
    [1, 0],
    [0, 1],
    [0.5, 0.5],
  ]
  const ids = [{ id: '1' }, { id: '2' }, { id: '3' }]

  it('cosine: index 0 then 2, and index 1 third with k = 10', async () => {
    const index = new KnnIndex({ dimension: 2, metric: 'cosine' })
    index.addVectors(vectors, ids)
    const two = await index.search([0.9, 0.1], 2)
    expect(two.map((h) => h.index)).toEqual([0, 2])
    expect(two[0]?.score).toBeCloseTo(0.99388, 5)
    expect(two[0]?.metadata).toEqual({ id: '1' })
    expect(two[1]?.score).toBeCloseTo(0.78087, 5)
    expect((await index.search([0.9, 0.1], 1e9)).length).toBe(3) // k beyond the rows: every row, no huge heap
    const all = await index.search([0.9, 0.1], 10)
    expect(all.map((h) => h.index)).toEqual([0, 2, 1])
    expect(all[2]?.score).toBeCloseTo(0.11043, 5)
    expect(all[2]?.metadata).toEqual({ id: '2' })
    await index.close()
  })

  it('euclidean and dot', async () => {
    const euclidean = new KnnIndex({ dimension: 2, metric: 'euclidean' })
    euclidean.addVectors(vectors, ids)
    const e = await euclidean.search([0.9, 0.1], 10)
    expect(e.map((h) => h.index)).toEqual([0, 2, 1])
    expect(e.map((h) => Number(h.score.toFixed(5)))).toEqual([0.8761, 0.6387, 0.43999])
    const dot = new KnnIndex({ dimension: 2, metric: 'dot' })
    dot.addVectors(new Float32Array(vectors.flat()), ids)
    const d = await dot.search([0.9, 0.1], 10)
    expect(d.map((h) => h.index)).toEqual([0, 2, 1])
    expect(d.map((h) => Number(h.score.toFixed(5)))).toEqual([0.9, 0.5, 0.1])
  })

  it('numbers default metadata across calls', async () => {
    const index = new KnnIndex({ dimension: 2, workers: 0 })
    expect(index.addVectors([[1, 0]])).toBe(0)
    expect(index.addVectors([new Float32Array([0, 1]), new Float32Array([1, 1])])).toBe(1)
    expect(index.length).toBe(3)
    expect((await index.search([0, 1], 1))[0]?.metadata).toEqual({ id: '1' })
    expect(index.metadata(2)).toEqual({ id: '2' })
  })
})

describe('bad input', () => {
  const index = new KnnIndex({ dimension: 3, workers: 0 })
  index.addVectors([
    [1, 2, 3],
    [3, 2, 1],
  ])

  it('refuses vectors and queries of the wrong dimension, naming both', async () => {
    expectError(() => index.addVectors([[1, 2]]), 'KNN_DIMENSION_MISMATCH', /dimension 3, got dimension 2/)
    expectError(
      () => index.addVectors(new Float32Array(4)),
      'KNN_DIMENSION_MISMATCH',
      /dimension 3, got length 4/,
    )
    await expectRejection(
      index.search([1, 2, 3, 4], 1),
      'KNN_DIMENSION_MISMATCH',
      /dimension 3, got dimension 4/,
    )
    await expectRejection(index.searchBatch([[1, 2, 3], [1]], 1), 'KNN_DIMENSION_MISMATCH', /query 1/)
  })

  it('refuses a metadata count that does not match the vectors, and adds nothing', () => {
    expectError(
      () => index.addVectors([[1, 1, 1]], [{}, {}]),
      'KNN_METADATA_COUNT',
      /Expected 1 metadata objects.*got 2/,
    )
    expectError(() => index.addVectors([[1, 1, 1]], [5 as never]), 'KNN_BAD_METADATA')
    expect(index.length).toBe(2)
  })

  it('refuses k that is not a positive integer', async () => {
    for (const k of [0, -1, 1.5, Number.NaN, '3'])
      await expectRejection(index.search([1, 2, 3], k as number), 'KNN_BAD_K', /positive integer/)
  })

  it('refuses NaN and Infinity in vectors and queries, naming the row', async () => {
    expectError(
      () =>
        index.addVectors([
          [1, 2, 3],
          [1, Number.NaN, 3],
        ]),
      'KNN_NON_FINITE',
      /NaN in vector 1 at component 1/,
    )
    expectError(
      () => index.addVectors(Float32Array.of(1, 2, Number.POSITIVE_INFINITY)),
      'KNN_NON_FINITE',
      /Infinity/,
    )
    await expectRejection(index.search([1, 2, Number.NEGATIVE_INFINITY], 1), 'KNN_NON_FINITE', /query/)
    expect(index.length).toBe(2)
  })

  it('scores a zero vector 0 under cosine, whichever side it is on', async () => {
    const cos = new KnnIndex({ dimension: 2, metric: 'cosine', workers: 0 })
    cos.addVectors([
      [0, 0],
      [1, 0],
      [-1, 0],
    ])
    const hits = await cos.search([1, 0], 3)
    expect(hits.map((h) => [h.index, h.score])).toEqual([
      [1, 1],
      [0, 0],
      [2, -1],
    ])
    const fromZero = await cos.search([0, 0], 3)
    expect(fromZero.map((h) => h.score)).toEqual([0, 0, 0])
    expect(fromZero.map((h) => h.index)).toEqual([0, 1, 2])
  })

  it('refuses a filter on a field no row has, and a malformed filter', async () => {
    await expectRejection(
      index.search([1, 2, 3], 1, { filter: { colour: 'red' } }),
      'KNN_UNKNOWN_FIELD',
      /"colour"/,
    )
    await expectRejection(
      index.search([1, 2, 3], 1, { filter: { id: { $near: 1 } } as never }),
      'INVALID_FILTER',
    )
  })

  it('refuses bad options and bad indices', () => {
    expectError(() => new KnnIndex({ dimension: 0 }), 'INVALID_OPTION')
    expectError(
      () => new KnnIndex({ dimension: 4, metric: 'manhattan' as Metric }),
      'INVALID_OPTION',
      /cosine, euclidean, dot/,
    )
    expectError(() => index.remove([7]), 'KNN_BAD_INDEX', /\[0, 2\)/)
  })
})

describe('exact results against a brute-force reference', () => {
  let dir: string
  const n = 3000
  const d = 24
  let rows: Float32Array
  let queries: Float32Array
  let rowsPath: string
  let queriesPath: string
  const category = (i: number) => ['a', 'b', 'c', 'd', 'e', 'f', 'g'][i % 7] as string
  const price = (i: number) => (i * 37) % 100

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sd-knn-'))
    rowsPath = join(dir, 'rows.npy')
    queriesPath = join(dir, 'queries.npy')
    if (hasNumpy()) {
      numpyRandom(rowsPath, n, d, 1)
      numpyRandom(queriesPath, 7, d, 2)
      rows = readNpy(rowsPath).rows
      queries = readNpy(queriesPath).rows
    } else {
      const rand = mulberry32(1)
      rows = Float32Array.from({ length: n * d }, () => rand() - 0.5)
      queries = Float32Array.from({ length: 7 * d }, () => rand() - 0.5)
    }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function reference(cases: ReferenceCase[]): Hit[][][] {
    if (hasNumpy()) return numpyTopK(rowsPath, queriesPath, cases)
    return cases.map((c) => {
      const allowed = c.allowed ? new Set(c.allowed) : undefined
      return jsTopK(c.metric, rows, queries, d, c.k, allowed ? (r) => allowed.has(r) : undefined)
    })
  }

  function expectSame(got: { index: number; score: number }[][], want: Hit[][]): void {
    expect(got.map((q) => q.map((h) => h.index))).toEqual(want.map((q) => q.map((h) => h.index)))
    got.forEach((q, i) => {
      q.forEach((h, j) => {
        expect(h.score).toBeCloseTo(want[i]?.[j]?.score as number, 5)
      })
    })
  }

  it.each(['cosine', 'euclidean', 'dot'] as Metric[])(
    '%s: unfiltered, filtered (half, one in a hundred, one in five hundred rows), after remove',
    async (metric) => {
      for (const workers of [0, 2]) {
        const index = new KnnIndex({ dimension: d, metric, workers })
        index.addVectors(
          rows,
          Array.from({ length: n }, (_, i) => ({ id: `r${i}`, category: category(i), price: price(i) })),
        )
        const all = Array.from({ length: n }, (_, i) => i)
        const half = all.filter((i) => price(i) < 50)
        const onePercent = all.filter((i) => category(i) === 'c' && price(i) < 7)
        const few = all.filter((i) => price(i) === 3 && category(i) === 'a')
        const removed = all.filter((i) => i % 5 === 0)
        const live = all.filter((i) => i % 5 !== 0)
        const k = 10
        const want = reference([
          { metric, k },
          { metric, k, allowed: half },
          { metric, k, allowed: onePercent },
          { metric, k, allowed: few },
          { metric, k, allowed: live },
          { metric, k, allowed: live.filter((i) => price(i) < 50) },
        ])
        expect(onePercent.length).toBeGreaterThan(10)
        expect(onePercent.length).toBeLessThan(n / 50)
        expectSame(await index.searchBatch(queries, k), want[0] as Hit[][])
        expectSame(
          await index.searchBatch(queries, k, { filter: { price: { $lt: 50 } } }),
          want[1] as Hit[][],
        )
        expectSame(
          await index.searchBatch(queries, k, {
            filter: { $and: [{ category: 'c' }, { price: { $lt: 7 } }] },
          }),
          want[2] as Hit[][],
        )
        const fewHits = await index.searchBatch(queries, k, {
          filter: { price: 3, category: { $in: ['a'] } },
        })
        expect(fewHits[0]?.length).toBe(few.length)
        expectSame(fewHits, want[3] as Hit[][])
        const single = await index.search(queries.subarray(0, d), k, { filter: { price: { $lt: 50 } } })
        expect(single).toEqual((await index.searchBatch(queries, k, { filter: { price: { $lt: 50 } } }))[0])
        expect(single[0]?.metadata).toEqual({
          id: `r${single[0]?.index}`,
          category: category(single[0]?.index as number),
          price: price(single[0]?.index as number),
        })
        expect(index.remove(removed)).toBe(removed.length)
        expect(index.remove([0])).toBe(0)
        expect(index.length).toBe(live.length)
        expectSame(await index.searchBatch(queries, k), want[4] as Hit[][])
        expectSame(
          await index.searchBatch(queries, k, { filter: { price: { $lt: 50 } } }),
          want[5] as Hit[][],
        )
        await index.close()
      }
    },
  )
})

describe('euclidean exactness where inner products cancel', () => {
  it('equals the direct distance on near-duplicate rows far from the origin, in memory and from a source', async () => {
    const d = 16
    const n = 4000
    const rand = mulberry32(77)
    // every row is 1000 + a tiny offset: |q|^2 + |x|^2 - 2 q.x loses every digit that orders them
    const rows = Float32Array.from({ length: n * d }, () => 1000 + (rand() - 0.5) * 1e-2)
    const queries = Float32Array.from({ length: 5 * d }, () => 1000 + (rand() - 0.5) * 1e-2)
    const want = jsTopK('euclidean', rows, queries, d, 10).map((q) => q.map((h) => h.index))
    for (const workers of [0, 2]) {
      const index = new KnnIndex({ dimension: d, metric: 'euclidean', workers })
      index.addVectors(rows)
      const got = await index.searchBatch(queries, 10)
      expect(got.map((q) => q.map((h) => h.index))).toEqual(want)
      await index.close()
    }
    const source = {
      dimension: d,
      length: n,
      readRows: (start: number, end: number, out: Float32Array) => {
        out.set(rows.subarray(start * d, end * d))
        return end - start
      },
    }
    const fromSource = await KnnIndex.fromVectors(source, { metric: 'euclidean' }).searchBatch(queries, 10)
    expect(fromSource.map((q) => q.map((h) => h.index))).toEqual(want)
  })
})
