/**
 * Files written by DuckDB (every codec, many row groups, dictionary and delta encodings, data
 * pages v1 and v2, nulls, strings, int64, timestamps, dates, lists, structs), read by us and
 * checked against DuckDB's own answers on the same files.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import { exec, lit, query, tempDir } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
const ROWS = 10_000
const CODECS = ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd', 'lz4', 'lz4_raw'] as const

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await exec(`CREATE TABLE t (
    id BIGINT, i32 INTEGER, d DOUBLE, s VARCHAR, u VARCHAR, ts TIMESTAMP, dt DATE, b BOOLEAN, f FLOAT,
    lst INTEGER[], st STRUCT(a INTEGER, b VARCHAR))`)
  await exec(`INSERT INTO t SELECT
    range,
    CASE WHEN range % 5 = 0 THEN NULL ELSE (range * 3)::INTEGER END,
    range * 0.25,
    CASE WHEN range % 7 = 0 THEN NULL ELSE 'k' || (range % 13) END,
    'unique-' || range || '-é',
    TIMESTAMP '2020-01-01' + INTERVAL (range) SECOND,
    DATE '2000-01-01' + (range % 1000)::INTEGER,
    CASE WHEN range % 19 = 0 THEN NULL ELSE range % 2 = 0 END,
    (range % 100)::FLOAT / 4,
    CASE WHEN range % 11 = 0 THEN NULL WHEN range % 11 = 1 THEN [] ELSE [(range % 10)::INTEGER, 1, 2] END,
    CASE WHEN range % 17 = 0 THEN NULL ELSE {'a': (range % 9)::INTEGER, 'b': 'x' || (range % 4)} END
    FROM range(${ROWS})`)
  for (const codec of CODECS) {
    await exec(
      `COPY t TO ${lit(join(dir, `${codec}.parquet`))} (FORMAT parquet, COMPRESSION '${codec}', ROW_GROUP_SIZE 2048)`,
    )
  }
  await exec(
    `COPY t TO ${lit(join(dir, 'v2.parquet'))} (FORMAT parquet, COMPRESSION 'zstd', ROW_GROUP_SIZE 2048, PARQUET_VERSION v2)`,
  )
})
afterAll(() => cleanup())

/** The aggregates DuckDB computes over a file. */
async function oracle(path: string) {
  const [row] =
    await query(`SELECT count(*) AS n, sum(id) AS sid, sum(i32) AS si, count(i32) AS ci, sum(d) AS sd,
    count(s) AS cs, sum(length(s)) AS ls, sum(length(u)) AS lu, sum(epoch_ms(ts)) AS sts,
    sum(dt - DATE '1970-01-01') AS sdt, count(*) FILTER (b) AS cb, count(b) AS nb, sum(f) AS sf,
    count(lst) AS cl, sum(len(lst)) AS ll, sum(list_sum(lst)) AS lsum, count(st) AS cst, sum(st.a) AS sta
    FROM read_parquet(${lit(path)})`)
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]))
}

/** The same aggregates from our batches. */
async function ours(path: string) {
  const loader = await ParquetStreamingLoader.open(path, { batchSize: 1000 })
  const a = { n: 0, sid: 0, si: 0, ci: 0, sd: 0, cs: 0, ls: 0, lu: 0, sts: 0, sdt: 0, cb: 0, nb: 0, sf: 0 }
  const b = { cl: 0, ll: 0, lsum: 0, cst: 0, sta: 0 }
  for await (const batch of loader.toDataset()) {
    a.n += batch.numRows
    for (const row of batch.rows()) {
      a.sid += Number(row.id as bigint)
      if (row.i32 !== null) {
        a.si += row.i32 as number
        a.ci++
      }
      a.sd += row.d as number
      if (row.s !== null) {
        a.cs++
        a.ls += (row.s as string).length
      }
      a.lu += (row.u as string).length
      a.sts += (row.ts as Date).getTime()
      a.sdt += (row.dt as Date).getTime() / 86_400_000
      if (row.b) a.cb++
      if (row.b !== null) a.nb++
      a.sf += row.f as number
      if (row.lst !== null) {
        const list = row.lst as number[]
        b.cl++
        b.ll += list.length
        for (const v of list) b.lsum += v
      }
      if (row.st !== null) {
        b.cst++
        b.sta += (row.st as { a: number }).a
      }
    }
  }
  return { ...a, ...b }
}

describe('DuckDB-written files', () => {
  it.each([...CODECS, 'v2'])('%s: row count and column sums equal DuckDB', async (name) => {
    const path = join(dir, `${name}.parquet`)
    const expected = await oracle(path)
    const actual = await ours(path)
    expect(actual.n).toBe(ROWS)
    for (const key of Object.keys(expected)) {
      if (key === 'sd' || key === 'sf')
        expect(actual[key as keyof typeof actual]).toBeCloseTo(expected[key] as number, 3)
      else expect([key, actual[key as keyof typeof actual]]).toEqual([key, expected[key]])
    }
  })

  it('has many row groups, dictionary pages and the codec it claims', async () => {
    const meta = await query(
      `SELECT DISTINCT row_group_id, compression, encodings, path_in_schema FROM parquet_metadata(${lit(join(dir, 'lz4.parquet'))})`,
    )
    expect(new Set(meta.map((m) => m.row_group_id)).size).toBe(5)
    expect(new Set(meta.map((m) => m.compression))).toEqual(new Set(['LZ4_RAW']))
    expect(meta.some((m) => m.path_in_schema === 's' && String(m.encodings).includes('DICTIONARY'))).toBe(
      true,
    )
  })

  it('maps the schema: int64, strings, timestamps, dates, lists and structs as json', async () => {
    const schema = await loadParquet(join(dir, 'zstd.parquet')).schema()
    expect(Object.fromEntries((schema ?? []).map((f) => [f.name, f.type]))).toEqual({
      id: 'int64',
      i32: 'int32',
      d: 'float64',
      s: 'string',
      u: 'string',
      ts: 'timestamp',
      dt: 'date',
      b: 'bool',
      f: 'float32',
      lst: 'json',
      st: 'json',
    })
  })

  it('gives the same lists and structs as DuckDB, row by row', async () => {
    const path = join(dir, 'snappy.parquet')
    const expected = await query(`SELECT lst, st FROM read_parquet(${lit(path)}) ORDER BY id`)
    const actual = await loadParquet(path, { columns: ['lst', 'st'], batchSize: 3000 }).toArray()
    expect(actual).toEqual(expected)
  })
})
