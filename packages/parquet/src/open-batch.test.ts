/**
 * Batches that span row groups are decoded straight into one batch's arrays: the values, nulls
 * (a row group without nulls next to one with them), dictionaries (one per row group) and nested
 * columns must come out as DuckDB reads them, whatever the batch size.
 */
import { join } from 'node:path'
import type { DictionaryColumn, FixedColumn } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, lit, query, tempDir } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
let path: string
const ROWS = 7000
let expected: Record<string, unknown>[]

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  path = join(dir, 'groups.parquet')
  // row groups of 2048 rows: group 0 has no null in n, group 1 has some (their statistics differ)
  await exec(
    `COPY (SELECT range AS id,
      CASE WHEN range BETWEEN 2048 AND 4095 AND range % 3 = 0 THEN NULL ELSE (range * 7)::INTEGER END AS n,
      'k' || (range % 7 + (range // 2048) * 10) AS s,
      repeat('x', (range % 50)::INTEGER) || range AS big,
      CASE WHEN range % 11 = 0 THEN NULL ELSE range % 2 = 0 END AS b,
      CASE WHEN range % 13 = 0 THEN NULL ELSE [range::INTEGER, 1] END AS lst
      FROM range(${ROWS})) TO ${lit(path)} (FORMAT parquet, COMPRESSION 'snappy', ROW_GROUP_SIZE 2048)`,
  )
  expected = await query(`SELECT * FROM read_parquet(${lit(path)}) ORDER BY id`)
})
afterAll(() => cleanup())

/** Every row of the file as plain values, from batches of `batchSize`. */
async function rows(batchSize: number) {
  const out: unknown[][] = []
  for await (const batch of loadParquet(path, { batchSize, workers: 0, cacheEnabled: false })) {
    const id = batch.column('id') as BigInt64Array
    const n = batch.data('n')
    const s = batch.data('s')
    const big = batch.data('big')
    const b = batch.data('b')
    const lst = batch.data('lst')
    for (let i = 0; i < batch.numRows; i++) {
      out.push([Number(id[i]), n.get(i), s.get(i), big.get(i), b.get(i), lst.get(i)])
    }
  }
  return out
}

describe('batches spanning row groups', () => {
  it('hold the values and nulls DuckDB reads, at batch sizes that cut row groups anywhere', async () => {
    const want = expected.map((r) => [Number(r.id), r.n, r.s, r.big, r.b, r.lst])
    expect(want).toHaveLength(ROWS)
    for (const size of [1500, 999, 2048, 5000, 10_000]) expect(await rows(size)).toEqual(want)
  })

  it('keeps nulls of a later row group and the dictionaries of both', async () => {
    const ds = loadParquet(path, { batchSize: 1500, workers: 0, cacheEnabled: false })
    const batches = []
    for await (const batch of ds) batches.push(batch)
    const second = batches[1]
    if (!second) throw new Error('no second batch')
    // rows 1500-2999: the end of row group 0 (no nulls), the start of row group 1 (every third null)
    const n = second.data('n') as FixedColumn
    const nulls = expected.slice(1500, 3000).filter((r) => r.n === null).length
    expect(nulls).toBeGreaterThan(100)
    expect(n.nullCount).toBe(nulls)
    expect(n.isValid(2047 - 1500)).toBe(true)
    expect(n.isValid(2049 - 1500)).toBe(false)
    const s = second.data('s') as DictionaryColumn
    expect(s.kind).toBe('dictionary')
    // the two row groups' dictionaries end to end, indices into the second moved past the first
    expect(s.dictionary.length).toBeGreaterThanOrEqual(14)
    expect([s.get(0), s.get(547), s.get(548), s.get(1499)]).toEqual(['k2', 'k3', 'k14', 'k13'])
  })

  it('counts every row group and row once', async () => {
    const ds = loadParquet(path, { batchSize: 1500, workers: 0, cacheEnabled: false })
    let rowsRead = 0
    for await (const batch of ds) rowsRead += batch.numRows
    expect(rowsRead).toBe(ROWS)
    expect(ds.getStats().parquet).toMatchObject({ rowGroupsRead: 4, rowsDecoded: ROWS })
  })
})
