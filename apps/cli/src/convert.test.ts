import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { openCar } from '@sd/car'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { duckdb, EVENTS_SQL, tempDir } from './test-support/fixtures.js'
import { sd, sdJson } from './test-support/run.js'

const tmp = tempDir()
afterAll(() => tmp.remove())
const ROWS = 12_000
const parquet = tmp.path('events.parquet')
const csv = tmp.path('events.csv')

beforeAll(async () => {
  await duckdb(
    EVENTS_SQL(ROWS),
    `COPY events TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 5000, COMPRESSION snappy)`,
    `COPY events TO '${csv}' (HEADER)`,
  )
})

/** Rows of two files as DuckDB reads them, compared both ways (as sets of rows with their counts). */
async function sameRows(a: string, b: string, columns = 'id, value, name, flag, big'): Promise<number> {
  const [[count, onlyA, onlyB]] = (await duckdb(
    `CREATE TABLE a AS SELECT ${columns} FROM ${a}`,
    `CREATE TABLE b AS SELECT ${columns} FROM ${b}`,
    `SELECT (SELECT count(*) FROM a)::INTEGER,
      (SELECT count(*) FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM b))::INTEGER,
      (SELECT count(*) FROM (SELECT * FROM b EXCEPT ALL SELECT * FROM a))::INTEGER`,
  )) as [[number, number, number]]
  expect([onlyA, onlyB]).toEqual([0, 0])
  return count
}

describe('sd convert', () => {
  it('packs Parquet into a CAR (file layout) and gets the same bytes back', async () => {
    const car = tmp.path('events.car')
    const back = tmp.path('back.parquet')
    const packed = await sdJson<{ method: string; rows: number; root: string }>(['convert', parquet, car])
    expect(packed).toMatchObject({ method: 'pack', rows: ROWS, root: expect.stringMatching(/^bafy/) })
    const exported = await sdJson<{ method: string }>(['convert', car, back])
    expect(exported.method).toBe('export')
    expect(readFileSync(back).equals(readFileSync(parquet))).toBe(true)
  })

  it('packs a CSV as it is, or as Parquet when a codec is asked for', async () => {
    const plain = tmp.path('csv-packed.car')
    const zstd = tmp.path('zstd-packed.car')
    await Promise.all([sdJson(['convert', csv, plain]), sdJson(['convert', csv, zstd, '--codec', 'zstd'])])
    // the plain one's manifest read here; the other's through sd inspect (its report of a file CAR)
    const reader = await openCar(plain)
    try {
      expect(await reader.manifest()).toMatchObject({
        layout: 'file',
        format: 'csv',
        name: 'events.csv',
        numRows: ROWS,
        byteLength: readFileSync(csv).length,
      })
    } finally {
      await reader.close()
    }
    type Report = { layout: string; rows: number; manifest: { format: string; name: string } }
    const b = await sdJson<Report>(['inspect', zstd])
    expect(b).toMatchObject({
      layout: 'file',
      rows: ROWS,
      manifest: { format: 'parquet', name: 'zstd-packed.parquet' },
    })
  })

  it('goes CSV -> Parquet (the codec and row groups asked for) -> NDJSON with the rows DuckDB reads from the CSV', async () => {
    const pq = tmp.path('from-csv.parquet')
    const ndjson = tmp.path('from-parquet.ndjson')
    const first = await sd([
      'convert',
      csv,
      pq,
      '--batch-size',
      '3000',
      '--codec',
      'zstd',
      '--row-group-size',
      '2500',
    ])
    expect(first.status, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/from-csv\.parquet: 12,000 rows, .* \(rewrite\)/)
    const meta = await duckdb(
      `SELECT count(DISTINCT row_group_id)::INTEGER, list(DISTINCT compression) FROM parquet_metadata('${pq}')`,
    )
    expect(meta).toEqual([[Math.ceil(ROWS / 2500), ['ZSTD']]])
    expect((await sdJson<{ rows: number }>(['convert', pq, ndjson])).rows).toBe(ROWS)
    const rows = await sameRows(
      `read_csv('${csv}', header = true)`,
      `read_json('${ndjson}', format = 'newline_delimited', columns = {id: 'INTEGER', value: 'DOUBLE', name: 'VARCHAR', flag: 'BOOLEAN', ts: 'VARCHAR', big: 'BIGINT'})`,
    )
    expect(rows).toBe(ROWS)
  })

  it('projects and filters into a batch-layout CAR, and out of it to CSV, as DuckDB answers', async () => {
    const car = tmp.path('filtered.car')
    const out = tmp.path('filtered.csv')
    const filter = '{"$or":[{"id":{"$lt":100}},{"name":"name-3","flag":true}]}'
    const written = await sdJson<{ layout: string; rows: number }>([
      'convert',
      parquet,
      car,
      '--layout',
      'batches',
      '--columns',
      'id,name,big',
      '--filter',
      filter,
    ])
    const [[expected]] = (await duckdb(
      `SELECT count(*)::INTEGER FROM '${parquet}' WHERE id < 100 OR (name = 'name-3' AND flag)`,
    )) as [[number]]
    expect(written).toMatchObject({ layout: 'batches', rows: expected })
    expect((await sdJson<{ rows: number }>(['convert', car, out])).rows).toBe(expected)
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('id,name,big')
    await sameRows(
      `read_csv('${out}', header = true)`,
      `(SELECT * FROM '${parquet}' WHERE id < 100 OR (name = 'name-3' AND flag))`,
      'id, name, big',
    )
  })

  it('turns NDJSON into a JSON array document by the extension', async () => {
    const ndjson = tmp.path('small.ndjson')
    const json = tmp.path('small.json')
    await sdJson(['convert', parquet, ndjson, '--filter', '{"id":{"$lt":5}}', '--columns', 'id,ts'])
    await sdJson(['convert', ndjson, json])
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({ id: i, ts: `2024-01-01T00:00:0${i}.000000Z` })),
    )
  })

  it('takes column types for CSV when the first batch would type a column too narrowly', async () => {
    const narrow = tmp.path('narrow.csv')
    const values = Array.from({ length: 1500 }, (_, i) => String(i))
    values.push('3000000000')
    writeFileSync(narrow, `v\n${values.join('\n')}\n`)
    // the error line is all of stderr
    const failed = await sd(['convert', narrow, tmp.path('narrow.parquet'), '--batch-size', '1000'])
    expect(failed.status).toBe(1)
    expect(failed.stderr).toMatch(/^sd: TYPE_MISMATCH: Expected a int32 value [^\n]*line 1502[^\n]*\n$/)
    const typed = await sdJson<{ rows: number }>([
      'convert',
      narrow,
      tmp.path('narrow.ndjson'),
      '--batch-size',
      '1000',
      '--types',
      'v=int64',
    ])
    expect(typed.rows).toBe(1501)
    expect(readFileSync(tmp.path('narrow.ndjson'), 'utf8').trimEnd().split('\n').at(-1)).toBe(
      '{"v":3000000000}',
    )
  })

  it('refuses an unknown output format and a flag that does not apply, with exit status 2 and one line', async () => {
    const unknown = await sd(['convert', parquet, tmp.path('events.xlsx')])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toBe(
      `sd: USAGE: Cannot tell the format of ${tmp.path('events.xlsx')} from its name: name it with --to (parquet, csv, ndjson, json, car)\n`,
    )
    const codec = await sd(['convert', parquet, tmp.path('x.csv'), '--codec', 'zstd'])
    expect(codec.status).toBe(2)
    expect(codec.stderr).toMatch(/^sd: USAGE: --codec and --row-group-size apply to Parquet output[^\n]*\n$/)
    expect(existsSync(tmp.path('x.csv'))).toBe(false)
  })
})
