/**
 * Batches in sd's Arrow layout from DuckDB-written files whose columns are all nullable (as DuckDB,
 * pandas, pyarrow and Spark write them), with and without nulls: values, null positions and row
 * views equal DuckDB's own answer; numbers are typed arrays; strings offsets + bytes or
 * dictionary indices.
 */
import { join } from 'node:path'
import { BoolColumn, DictionaryColumn, FixedColumn, JsonColumn, type RecordBatch, Utf8Column } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, lit, query, tempDir } from './test-support/fixtures.js'
import { typedText } from './test-support/rows.js'

let dir: string
let cleanup: () => Promise<void>
const ROWS = 5000

const COLUMNS = `
  i::BIGINT AS id,
  (i % 200 - 100)::TINYINT AS i8,
  (i * 3 - 5000)::SMALLINT AS i16,
  (i * 7919 - 1000000)::INTEGER AS i32,
  (i * 1000003 - 99)::BIGINT * 1000003 AS i64,
  (i % 250)::UTINYINT AS u8,
  (i * 13)::USMALLINT AS u16,
  (4000000000 - i)::UINTEGER AS u32,
  (18000000000000000000 + i)::UBIGINT AS u64,
  (i / 8)::FLOAT AS f32,
  i * 0.125 - 3 AS f64,
  (i % 3 = 0) AS flag,
  'k' || (i % 17) AS dict,
  'unique-' || i || '-é' AS uniq,
  ('b' || (i % 5))::BLOB AS bin,
  DATE '2000-01-01' + (i % 3000)::INTEGER AS day,
  TIMESTAMP '2020-01-01' + INTERVAL (i * 1001) MILLISECOND AS ts_us,
  (TIMESTAMP '2020-01-01' + INTERVAL (i) SECOND)::TIMESTAMP_MS AS ts_ms,
  (TIMESTAMP '2020-01-01' + INTERVAL (i) MICROSECOND)::TIMESTAMP_NS AS ts_ns,
  (i * 1.25)::DECIMAL(12, 2) AS dec,
  [(i % 10) / 4, i / 8, -(i % 7)]::FLOAT[3] AS vec,
  {'n': i, 'tag': 't' || (i % 4)} AS st,
  list_transform(range(i % 4), x -> 'w' || x) AS words`

const NAMES = COLUMNS.split(' AS ')
  .slice(1)
  .map((s) => s.split(/[,\s]/)[0] as string)

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  // every column null somewhere, at positions that differ per column
  // (a fixed-size array stays non-null: DuckDB writes a null one as one null per element, which
  // this package refuses; see the test of it below)
  const nulled = NAMES.map((name, k) =>
    name === 'id' || name === 'vec'
      ? name
      : `CASE WHEN (id + ${k}) % ${k + 3} = 0 THEN NULL ELSE ${name} END AS ${name}`,
  ).join(', ')
  await exec(`CREATE TABLE full_t AS SELECT ${COLUMNS} FROM range(${ROWS}) t(i)`)
  await exec(`CREATE TABLE nulls_t AS SELECT ${nulled} FROM full_t`)
  for (const [table, name] of [
    ['full_t', 'no-nulls'],
    ['nulls_t', 'nulls'],
  ]) {
    for (const codec of ['snappy', 'zstd']) {
      await exec(
        `COPY ${table} TO ${lit(join(dir, `${name}-${codec}.parquet`))} (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2000)`,
      )
    }
    await exec(
      `COPY ${table} TO ${lit(join(dir, `${name}-v2.parquet`))} (FORMAT parquet, PARQUET_VERSION v2, ROW_GROUP_SIZE 2000)`,
    )
  }
})
afterAll(() => cleanup())

const FILES = ['no-nulls-snappy', 'no-nulls-zstd', 'no-nulls-v2', 'nulls-snappy', 'nulls-zstd', 'nulls-v2']

/** Whether two non-primitive values are equal, told by their typed text. */
function same(got: unknown, want: unknown): boolean {
  return typedText(got) === typedText(want)
}

async function duckRows(file: string): Promise<Record<string, unknown>[]> {
  return query(`SELECT * FROM read_parquet(${lit(join(dir, `${file}.parquet`))}) ORDER BY id`)
}

describe('the column layout from DuckDB-written nullable files', () => {
  it.each(FILES)('%s: row views and null positions equal DuckDB', async (file) => {
    const expected = await duckRows(file)
    const batch = await loadParquet(join(dir, `${file}.parquet`), { batchSize: 1500 }).collect()
    expect(batch.numRows).toBe(ROWS)
    expect(batch.columnNames).toEqual(NAMES)
    const rows = batch.rows()
    // 115,000 values a file: equal values are recognised here, anything else goes to expect, so a
    // difference fails naming its column and row
    let viaExpect = 0
    for (let i = 0; i < ROWS; i += 1) {
      const want = expected[i] as Record<string, unknown>
      const got = rows[i] as Record<string, unknown>
      for (const name of NAMES) {
        const w = want[name]
        const g = got[name]
        if (batch.data(name).isNull(i) !== (w === null))
          expect([name, i, batch.data(name).isNull(i)]).toEqual([name, i, w === null])
        if (Object.is(g, w) || (typeof w === 'object' && w !== null && same(g, w))) continue
        viaExpect++
        if (w instanceof Uint8Array)
          expect([name, i, Array.from(g as Uint8Array)]).toEqual([name, i, Array.from(w)])
        else expect([name, i, g]).toEqual([name, i, w])
      }
    }
    expect(viaExpect).toBe(0)
  })

  it.each(FILES)(
    '%s: numbers are typed arrays, bools bits, strings offsets or dictionary indices',
    async (file) => {
      const withNulls = file.startsWith('nulls')
      // DuckDB rounds ROW_GROUP_SIZE 2000 up to its 2048-row vectors (checked below): batches of
      // 1024 never span two row groups (and two dictionaries)
      for await (const batch of loadParquet(join(dir, `${file}.parquet`), { batchSize: 1024 })) {
        const typed: [string, new (n: number) => unknown][] = [
          ['id', BigInt64Array],
          ['i8', Int8Array],
          ['i16', Int16Array],
          ['i32', Int32Array],
          ['i64', BigInt64Array],
          ['u8', Uint8Array],
          ['u16', Uint16Array],
          ['u32', Uint32Array],
          ['u64', BigUint64Array],
          ['f32', Float32Array],
          ['f64', Float64Array],
          ['day', Int32Array],
          ['ts_us', BigInt64Array],
          ['ts_ms', BigInt64Array],
          ['ts_ns', BigInt64Array],
          ['dec', Float64Array],
        ]
        for (const [name, Ctor] of typed) {
          const data = batch.data(name)
          expect([name, data]).toEqual([name, expect.any(FixedColumn)])
          expect([name, (data as FixedColumn).values]).toEqual([name, expect.any(Ctor)])
          expect(batch.column(name)).toBe((data as FixedColumn).values)
          // no nulls: no bitmap at all
          if (!withNulls) expect([name, data.validity]).toEqual([name, undefined])
        }
        expect(batch.data('flag')).toBeInstanceOf(BoolColumn)
        expect(batch.data('dict')).toBeInstanceOf(DictionaryColumn)
        expect(batch.data('uniq')).toBeInstanceOf(Utf8Column)
        expect(batch.data('bin')).toBeInstanceOf(DictionaryColumn)
        expect(batch.data('bin').type).toBe('binary')
        // FLOAT[3], a struct and a list: Parquet has LIST and groups, no fixed-size list, so with no
        // schema in the footer fixing the lengths (DuckDB writes none) they are JSON values
        for (const name of ['vec', 'st', 'words']) {
          expect([name, batch.data(name)]).toEqual([name, expect.any(JsonColumn)])
          expect([name, batch.field(name).type]).toEqual([name, 'json'])
        }
        if (withNulls)
          for (const name of NAMES.slice(1).filter((n) => n !== 'vec'))
            expect([name, batch.data(name).nullCount > 0]).toEqual([name, true])
        // null slots hold 0
        const i32 = batch.data('i32') as FixedColumn
        for (let i = 0; i < i32.length; i++) if (i32.isNull(i)) expect(i32.values[i]).toBe(0)
      }
    },
  )

  it('DuckDB writes row groups of 2048 rows for ROW_GROUP_SIZE 2000', async () => {
    const groups = await query(
      `SELECT DISTINCT row_group_id AS g, row_group_num_rows AS n FROM parquet_metadata(${lit(join(dir, 'nulls-zstd.parquet'))}) ORDER BY g`,
    )
    expect(groups.map((r) => Number(r.n))).toEqual([2048, 2048, ROWS - 4096])
  })

  it('a FLOAT[3] column, a struct and a list are json columns of plain values', async () => {
    const schema = await loadParquet(join(dir, 'nulls-zstd.parquet')).schema()
    const byName = Object.fromEntries((schema ?? []).map((f) => [f.name, f]))
    for (const name of ['vec', 'st', 'words'])
      expect(byName[name]).toEqual({ name, type: 'json', nullable: true })
    const batch = await loadParquet(join(dir, 'no-nulls-zstd.parquet')).collect()
    const row = batch.rows()[13] as Record<string, unknown>
    expect(row.vec).toEqual([0.75, 1.625, -6])
    expect(row.st).toEqual({ n: 13n, tag: 't1' })
    expect(row.words).toEqual(['w0'])
    expect((batch.rows()[12] as Record<string, unknown>).words).toEqual([])
  })

  it('a null FLOAT[3] as DuckDB writes it is refused as unsupported, not read with rows shifted', async () => {
    // DuckDB writes a null fixed-size array as 3 level entries, the 2nd and 3rd marked as
    // continuing the null row's list: assembled by the levels, each would be a row of its own
    const path = join(dir, 'null-array.parquet')
    await exec(
      `COPY (SELECT i AS id, (CASE WHEN i = 3 THEN NULL ELSE [i, i / 8, 1]::FLOAT[] END)::FLOAT[3] AS vec FROM range(30) t(i)) TO ${lit(path)} (FORMAT parquet)`,
    )
    const duck = await query(`SELECT count(*) AS n, count(vec) AS present FROM read_parquet(${lit(path)})`)
    expect(duck).toEqual([{ n: 30n, present: 29n }])
    const err = await loadParquet(path)
      .collect()
      .catch((e: unknown) => e)
    expect(err).toMatchObject({
      code: 'PARQUET_UNSUPPORTED',
      location: { file: path, rowGroup: 0, column: 'vec' },
    })
    expect((err as Error).message).toMatch(/make 32 rows where the row group has 30/)
    expect((err as Error).message).toMatch(/null fixed-size ARRAY/)
  })

  it('timestamps keep their unit and zone in the schema; dates are days', async () => {
    const schema = await loadParquet(join(dir, 'nulls-zstd.parquet')).schema()
    const byName = Object.fromEntries((schema ?? []).map((f) => [f.name, f]))
    expect(byName.ts_us).toEqual({ name: 'ts_us', type: 'timestamp', nullable: true, unit: 'us' })
    expect(byName.ts_ms).toEqual({ name: 'ts_ms', type: 'timestamp', nullable: true, unit: 'ms' })
    expect(byName.ts_ns).toEqual({ name: 'ts_ns', type: 'timestamp', nullable: true, unit: 'ns' })
    expect(byName.day).toEqual({ name: 'day', type: 'date', nullable: true })
    const [first] = await duckRows('nulls-zstd')
    const batch = (await loadParquet(join(dir, 'nulls-zstd.parquet'), { batchSize: 10 })
      .take(1)
      .collect()) as RecordBatch
    const ns = batch.data('ts_ns') as FixedColumn
    const duckNs = await query(
      `SELECT epoch_ns(ts_ns) AS v FROM read_parquet(${lit(join(dir, 'nulls-zstd.parquet'))}) ORDER BY id LIMIT 1`,
    )
    expect(ns.values[0]).toBe(BigInt(duckNs[0]?.v as bigint))
    expect(batch.rows()[0]?.day).toEqual(first?.day)
  })

  it("int64: 'number' gives float64 columns with the same values", async () => {
    const path = join(dir, 'nulls-snappy.parquet')
    const big = await loadParquet(path).collect()
    const num = await loadParquet(path, { int64: 'number' }).collect()
    const schema = Object.fromEntries(num.schema.map((f) => [f.name, f.type]))
    expect(schema.id).toBe('float64')
    expect(schema.i64).toBe('float64')
    expect(schema.u64).toBe('float64')
    expect(schema.ts_us).toBe('timestamp')
    for (const name of ['id', 'i64', 'u64']) {
      const values = num.column(name) as Float64Array
      expect(values).toBeInstanceOf(Float64Array)
      const exact = big.data(name)
      for (let i = 0; i < values.length; i++) {
        expect(num.data(name).isNull(i)).toBe(exact.isNull(i))
        if (!exact.isNull(i)) expect(values[i]).toBe(Number(exact.get(i) as bigint))
      }
    }
    expect(() => loadParquet(path, { int64: 'float' as never })).toThrow(
      /int64 must be one of 'bigint', 'number'/,
    )
  })
})
