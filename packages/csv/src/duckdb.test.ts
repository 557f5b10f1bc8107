import type { RecordBatch } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import { duckdb, tempDir } from './test-support/files.js'

const tmp = tempDir()
afterAll(() => tmp.remove())

// DuckDB writes the files and reports the answers; we read its files back.
const ROWS = 25_000
const TABLE = `CREATE TABLE t AS SELECT
  i::INTEGER AS id,
  i * 0.25 + 0.125 AS value,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1.5 END AS maybe,
  i % 3 = 0 AS flag,
  CASE WHEN i % 5 = 0 THEN 'q' || i || ',"quoted"' || chr(10) || 'line' ELSE 'label-' || (i % 100) END AS label
  FROM range(0, ${ROWS}) r(i)`
const ANSWER = `SELECT count(*)::INTEGER, sum(id)::DOUBLE, sum(value)::DOUBLE, sum(maybe)::DOUBLE, count(maybe)::INTEGER,
  sum(flag::INTEGER)::INTEGER, sum(length(label))::INTEGER FROM t`

let expected: unknown[]
const files: Record<string, string> = {}

beforeAll(async () => {
  files.plain = `${tmp.dir}/duck.csv`
  files.gzip = `${tmp.dir}/duck.csv.gz`
  files.semicolon = `${tmp.dir}/duck-semicolon.csv`
  const rows = await duckdb(
    TABLE,
    `COPY t TO '${files.plain}' (HEADER)`,
    `COPY t TO '${files.gzip}' (HEADER, COMPRESSION gzip)`,
    `COPY t TO '${files.semicolon}' (HEADER, DELIMITER ';')`,
    ANSWER,
  )
  expected = rows[0] as unknown[]
})

async function answer(path: string, options: Parameters<typeof loadCsv>[1] = {}): Promise<unknown[]> {
  const batch = await loadCsv(path, { batchSize: 4096, ...options }).collect()
  const sum = (name: string) => {
    let s = 0
    for (const v of batch.column(name)) if (v !== null) s += Number(v)
    return s
  }
  const maybe = batch.data('maybe')
  let labelLength = 0
  for (const v of batch.column('label') as string[]) labelLength += v.length
  return [
    batch.numRows,
    sum('id'),
    sum('value'),
    sum('maybe'),
    maybe.length - maybe.nullCount,
    sum('flag'),
    labelLength,
  ]
}

describe('files written by DuckDB', () => {
  it('read back with the row count and sums DuckDB reports', async () => {
    const got = await answer(files.plain as string)
    expect(got).toEqual(expected)
  })

  it('keep DuckDB types: int32 id, float64 value, nullable float64, bool, strings', async () => {
    const batches: RecordBatch[] = []
    for await (const b of loadCsv(files.plain as string, { batchSize: 4096 })) batches.push(b)
    expect(batches[0]?.schema.map((f) => [f.name, f.type])).toEqual([
      ['id', 'int32'],
      ['value', 'float64'],
      ['maybe', 'float64'],
      ['flag', 'bool'],
      ['label', 'string'],
    ])
    for (const b of batches) expect(b.field('maybe')).toMatchObject({ type: 'float64', nullable: true })
  })

  it('gzip and another delimiter give the same answer', async () => {
    expect(await answer(files.gzip as string)).toEqual(expected)
    expect(await answer(files.semicolon as string, { delimiter: ';' })).toEqual(expected)
  })

  it('a DuckDB-written file read by DuckDB and by us gives the same rows', async () => {
    const path = tmp.write('mixed.csv', 'a,b,c\n1,x y,2.5\n2,"p,""q""",\n3,,-1e3\n')
    const theirs = await duckdb(
      `SELECT a, coalesce(b, ''), c FROM read_csv('${path}', header = true, columns = {'a': 'INTEGER', 'b': 'VARCHAR', 'c': 'DOUBLE'}) ORDER BY a`,
    )
    const ours = (await loadCsv(path).toArray()).map((r) => [r.a, r.b, r.c])
    expect(ours).toEqual(theirs)
  })
})
