import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { duckdb, fixtures } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

const ROWS = 10_000
const SELECT = `SELECT i AS id, i / 4 AS value, 'label-' || (i % 10) AS label, i % 3 = 0 AS flag,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i END AS maybe, {'a': i, 'b': [i, i + 1]} AS nested,
  DATE '2024-01-01' + (i % 365)::INTEGER AS day
  FROM range(${ROWS}) t(i)`

/** Count and sums DuckDB computes over the same query. */
async function duckdbTotals(): Promise<number[]> {
  const [row] = await duckdb(
    `SELECT count(*), sum(id), sum(value), count(maybe), sum(maybe), count(*) FILTER (flag), sum(nested.a) FROM (${SELECT})`,
  )
  return (row ?? []).map(Number)
}

/** The same totals over what loadJson reads. */
async function ourTotals(file: string, options: Parameters<typeof loadJson>[1] = {}): Promise<number[]> {
  let count = 0
  let id = 0
  let value = 0
  let maybeCount = 0
  let maybe = 0
  let flags = 0
  let nestedA = 0
  for await (const batch of loadJson(file, { batchSize: 4096, ...options })) {
    const ids = batch.column('id') as Int32Array
    const values = batch.column('value') as Float64Array
    const flag = batch.column('flag') as Uint8Array
    const maybes = batch.data('maybe')
    const nested = batch.column('nested') as { a: number }[]
    for (let i = 0; i < batch.numRows; i++) {
      count++
      id += ids[i] as number
      value += values[i] as number
      flags += flag[i] as number
      const m = maybes.get(i) as number | null
      if (m !== null) {
        maybeCount++
        maybe += m
      }
      nestedA += (nested[i] as { a: number }).a
    }
  }
  return [count, id, value, maybeCount, maybe, flags, nestedA]
}

describe('files written by DuckDB', () => {
  it('reads COPY ... TO x.json (NDJSON) with the counts and sums DuckDB reports', async () => {
    const file = files.path('duck.json')
    await duckdb(`COPY (${SELECT}) TO '${file}'`)
    const schema = await loadJson(file).schema()
    expect(Object.fromEntries(schema.map((f) => [f.name, f.type]))).toEqual({
      id: 'int32',
      value: 'float64',
      label: 'string',
      flag: 'bool',
      maybe: 'int32',
      nested: 'json',
      day: 'string',
    })
    expect(await ourTotals(file)).toEqual(await duckdbTotals())
  })

  it('reads (FORMAT json, ARRAY true) documents, plain and gzipped', async () => {
    const file = files.path('duck-array.json')
    await duckdb(`COPY (${SELECT}) TO '${file}' (FORMAT json, ARRAY true)`)
    const expected = await duckdbTotals()
    expect(await ourTotals(file)).toEqual(expected)
    const gz = files.path('duck-array.json.gz')
    await duckdb(`COPY (${SELECT}) TO '${gz}' (FORMAT json, ARRAY true, COMPRESSION gzip)`)
    expect(await ourTotals(gz)).toEqual(expected)
  })

  it('reads gzipped NDJSON written by DuckDB', async () => {
    const file = files.path('duck.ndjson.gz')
    await duckdb(`COPY (${SELECT}) TO '${file}' (FORMAT json, COMPRESSION gzip)`)
    expect(await ourTotals(file)).toEqual(await duckdbTotals())
  })
})
