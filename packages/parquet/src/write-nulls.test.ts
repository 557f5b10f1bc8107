import { join } from 'node:path'
import {
  DictionaryColumn,
  type Field,
  FixedColumn,
  packBits,
  RecordBatch,
  StreamingDataset,
  Utf8Builder,
} from '@sd/core'
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import { lit, query, tempDir } from './test-support/fixtures.js'
import { closeParquetWorkers } from './workers.js'
import { writeParquet } from './write.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
})
afterAll(async () => {
  await closeParquetWorkers()
  await cleanup()
})

const N = 3000
/** Nulls at scattered rows and in a block long enough to fill whole pages. */
const isNull = (i: number) => i % 7 === 3 || (i >= 1000 && i < 1600)

const FIELDS: Field[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'i8', type: 'int8', nullable: true },
  { name: 'i16', type: 'int16', nullable: true },
  { name: 'i32', type: 'int32', nullable: true },
  { name: 'i64', type: 'int64', nullable: true },
  { name: 'u8', type: 'uint8', nullable: true },
  { name: 'u16', type: 'uint16', nullable: true },
  { name: 'u32', type: 'uint32', nullable: true },
  { name: 'u64', type: 'uint64', nullable: true },
  { name: 'f32', type: 'float32', nullable: true },
  { name: 'f64', type: 'float64', nullable: true },
  { name: 'ok', type: 'bool', nullable: true },
  { name: 's', type: 'string', nullable: true },
  { name: 'bin', type: 'binary', nullable: true },
  { name: 'ts_s', type: 'timestamp', nullable: true, unit: 's' },
  { name: 'ts_ms', type: 'timestamp', nullable: true, unit: 'ms' },
  { name: 'ts_us', type: 'timestamp', nullable: true, unit: 'us', timezone: 'UTC' },
  { name: 'ts_ns', type: 'timestamp', nullable: true, unit: 'ns' },
  { name: 'day', type: 'date', nullable: true },
  { name: 'meta', type: 'json', nullable: true },
  { name: 'vec', type: 'vector', nullable: true, dimension: 2 },
  { name: 'tag', type: 'string', nullable: true },
  { name: 'none', type: 'null', nullable: true },
  { name: 'empty', type: 'int32', nullable: true },
]

const NS = 1_700_000_000_123_456_789n

/** Rows `[start, start + n)`: every type, nulls where {@link isNull} says, `empty` all null. */
function batch(start: number, n: number): RecordBatch {
  const ids = Array.from({ length: n }, (_, k) => start + k)
  const v = <T>(f: (i: number) => T) => ids.map((i) => (isNull(i) ? null : f(i)))
  // a dictionary column, as Parquet readers and CSV give low-cardinality strings
  const words = new Utf8Builder()
  for (const w of ['alpha', 'beta', 'gamma', 'ü-delta']) words.appendString(w)
  const tag = new DictionaryColumn(
    Int32Array.from(ids, (i) => (isNull(i) ? 0 : i % 4)),
    words.finish(),
    packBits(ids.map((i) => (isNull(i) ? 0 : 1))),
  )
  const ns = new FixedColumn(
    'timestamp',
    BigInt64Array.from(ids, (i) => (isNull(i) ? 0n : NS + BigInt(i) * 1_000_001n)),
    packBits(ids.map((i) => (isNull(i) ? 0 : 1))),
    { unit: 'ns' },
  )
  return RecordBatch.fromColumns(
    {
      id: Int32Array.from(ids),
      i8: v((i) => (i % 256) - 128),
      i16: v((i) => (i % 60_000) - 30_000),
      i32: v((i) => i * 7 - 1000),
      i64: v((i) => BigInt(i) * -10_000_000_000n),
      u8: v((i) => i % 256),
      u16: v((i) => i % 65_536),
      u32: v((i) => 4_000_000_000 - i),
      u64: v((i) => 18_000_000_000_000_000_000n + BigInt(i)),
      f32: v((i) => i / 4 - 100),
      f64: v((i) => i * 0.1 - 5),
      ok: v((i) => i % 3 === 0),
      s: v((i) => `s${i % 97}-ü`),
      bin: v((i) => Uint8Array.of(i % 256, 0, 255)),
      ts_s: v((i) => new Date(1_700_000_000_000 + i * 1000)),
      ts_ms: v((i) => new Date(1_700_000_000_000 + i * 37)),
      ts_us: v((i) => new Date(1_600_000_000_000 + i * 11)),
      ts_ns: ns,
      day: v((i) => new Date(Date.UTC(2024, 0, 1 + (i % 400)))),
      meta: v((i) => ({ i, tags: ['a', i % 2 ? 'b' : 'c'] })),
      vec: v((i) => Float32Array.of(i, -i / 2)),
      tag,
      none: ids.map(() => null),
      empty: ids.map(() => null),
    },
    FIELDS,
  )
}

function source(rows: number, size: number): StreamingDataset {
  return StreamingDataset.from(function* () {
    for (let start = 0; start < rows; start += size) yield batch(start, Math.min(size, rows - start))
  })
}

describe('writeParquet: OPTIONAL columns from validity bitmaps', () => {
  let path: string
  beforeAll(async () => {
    path = join(dir, 'nulls.parquet')
    // small pages: pages of only nulls, and a page index to read
    await writeParquet(source(N, 700), path, { rowGroupSize: 1200, pageSize: 1024 })
  })

  it('reads back identically: values, null positions, types and units', async () => {
    const loader = await ParquetStreamingLoader.open(path)
    expect(loader.schema).toEqual(FIELDS)
    const back = await loader.toDataset().collect()
    const expected = batch(0, N)
    expect(back.numRows).toBe(N)
    for (const field of FIELDS) {
      const got = back.data(field.name)
      const want = expected.data(field.name)
      expect([field.name, got.nullCount]).toEqual([field.name, want.nullCount])
      for (let i = 0; i < N; i++)
        if (got.isValid(i) !== want.isValid(i)) expect([field.name, i]).toBe('same validity')
      if (field.type === 'json' || field.type === 'null') continue
      expect([field.name, back.column(field.name)]).toEqual([field.name, expected.column(field.name)])
    }
    for (const name of ['ts_s', 'ts_ms', 'ts_us', 'ts_ns']) {
      const column = back.data(name) as FixedColumn
      const want = expected.data(name) as FixedColumn
      expect([name, column.unit, column.timezone]).toEqual([name, want.unit, want.timezone])
    }
    expect(back.rows()).toEqual(expected.rows())
  })

  it('DuckDB reads our file: types, null positions and values', async () => {
    const nullIds = (f: (i: number) => boolean) => {
      let sum = 0
      for (let i = 0; i < N; i++) if (f(i)) sum += i
      return sum
    }
    const valid = Array.from({ length: N }, (_, i) => i).filter((i) => !isNull(i))
    const sum = (f: (i: number) => number) => valid.reduce((a, i) => a + f(i), 0)
    const cols = FIELDS.filter((f) => f.name !== 'id').map((f) => f.name)
    const [row] = await query(`SELECT
      ${cols.map((c) => `sum(CASE WHEN ${c} IS NULL THEN id ELSE 0 END) AS null_${c}`).join(', ')},
      ${['ts_s', 'ts_ms', 'ts_us', 'ts_ns', 'day', 's', 'tag'].map((c) => `any_value(typeof(${c})) AS t_${c}`).join(', ')},
      sum(i8) AS i8, sum(i16) AS i16, sum(i32) AS i32, sum(i64)::VARCHAR AS i64, sum(u8) AS u8, sum(u16) AS u16,
      sum(u32) AS u32, sum(u64)::VARCHAR AS u64, sum(f32) AS f32, sum(f64) AS f64, count_if(ok) AS ok,
      sum(length(s) * id) AS s, sum(octet_length(bin) * id) AS bin,
      sum(epoch_ms(ts_s)) AS ts_s, sum(epoch_ms(ts_ms)) AS ts_ms, sum(epoch_us(ts_us))::VARCHAR AS ts_us,
      sum(epoch_ns(ts_ns))::VARCHAR AS ts_ns, sum(day - DATE '1970-01-01') AS day,
      sum(CAST(json_extract(meta, '$.i') AS INT)) AS meta, sum(vec[2]) AS vec, sum(len(vec)) AS vl,
      sum(CASE tag WHEN 'alpha' THEN 1 WHEN 'beta' THEN 10 WHEN 'gamma' THEN 100 WHEN 'ü-delta' THEN 1000 END) AS tag
      FROM read_parquet(${lit(path)})`)
    const r = row as Record<string, unknown>
    for (const c of cols) {
      const all = c === 'none' || c === 'empty'
      expect([c, Number(r[`null_${c}`])]).toEqual([c, nullIds((i) => all || isNull(i))])
    }
    expect({
      ts_s: r.t_ts_s,
      ts_ms: r.t_ts_ms,
      ts_us: r.t_ts_us,
      ts_ns: r.t_ts_ns,
      day: r.t_day,
      s: r.t_s,
      tag: r.t_tag,
    }).toEqual({
      ts_s: 'TIMESTAMP',
      ts_ms: 'TIMESTAMP',
      ts_us: 'TIMESTAMP WITH TIME ZONE',
      ts_ns: 'TIMESTAMP_NS',
      day: 'DATE',
      s: 'VARCHAR',
      tag: 'VARCHAR',
    })
    expect(Number(r.i8)).toBe(sum((i) => (i % 256) - 128))
    expect(Number(r.i16)).toBe(sum((i) => (i % 60_000) - 30_000))
    expect(Number(r.i32)).toBe(sum((i) => i * 7 - 1000))
    expect(r.i64).toBe(String(valid.reduce((a, i) => a + BigInt(i) * -10_000_000_000n, 0n)))
    expect(Number(r.u8)).toBe(sum((i) => i % 256))
    expect(Number(r.u16)).toBe(sum((i) => i % 65_536))
    expect(Number(r.u32)).toBe(sum((i) => 4_000_000_000 - i))
    expect(r.u64).toBe(String(valid.reduce((a, i) => a + 18_000_000_000_000_000_000n + BigInt(i), 0n)))
    expect(Number(r.f32)).toBeCloseTo(
      sum((i) => i / 4 - 100),
      3,
    )
    expect(Number(r.f64)).toBeCloseTo(
      sum((i) => i * 0.1 - 5),
      6,
    )
    expect(Number(r.ok)).toBe(valid.filter((i) => i % 3 === 0).length)
    expect(Number(r.s)).toBe(sum((i) => `s${i % 97}-ü`.length * i))
    expect(Number(r.bin)).toBe(sum((i) => 3 * i))
    expect(Number(r.ts_s)).toBe(sum((i) => 1_700_000_000_000 + i * 1000))
    expect(Number(r.ts_ms)).toBe(sum((i) => 1_700_000_000_000 + i * 37))
    expect(r.ts_us).toBe(String(valid.reduce((a, i) => a + BigInt(1_600_000_000_000 + i * 11) * 1000n, 0n)))
    expect(r.ts_ns).toBe(String(valid.reduce((a, i) => a + NS + BigInt(i) * 1_000_001n, 0n)))
    expect(Number(r.day)).toBe(
      sum((i) => (Date.UTC(2024, 0, 1 + (i % 400)) - Date.UTC(1970, 0, 1)) / 86_400_000),
    )
    expect(Number(r.meta)).toBe(sum((i) => i))
    expect(Number(r.vec)).toBe(sum((i) => -i / 2))
    expect(Number(r.vl)).toBe(valid.length * 2)
    expect(Number(r.tag)).toBe(sum((i) => 10 ** (i % 4)))
  })

  it('writes statistics DuckDB reads and a page index that skips pages', async () => {
    const stats = await query(`SELECT row_group_id AS g, path_in_schema AS c, stats_min_value AS lo,
      stats_max_value AS hi, stats_null_count AS nulls FROM parquet_metadata(${lit(path)})
      WHERE path_in_schema IN ('i32', 'u32', 's', 'empty') ORDER BY 1, 2`)
    const groups = [
      [0, 1200],
      [1200, 2400],
      [2400, 3000],
    ]
    const expected = groups.flatMap(([a = 0, b = 0], g) => {
      const valid = Array.from({ length: b - a }, (_, k) => a + k).filter((i) => !isNull(i))
      const i32 = valid.map((i) => i * 7 - 1000)
      const u32 = valid.map((i) => 4_000_000_000 - i)
      const s = valid
        .map((i) => `s${i % 97}-ü`)
        .sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
      const nulls = b - a - valid.length
      return [
        { g, c: 'empty', lo: null, hi: null, nulls: b - a },
        { g, c: 'i32', lo: String(Math.min(...i32)), hi: String(Math.max(...i32)), nulls },
        { g, c: 's', lo: s[0], hi: s.at(-1), nulls },
        { g, c: 'u32', lo: String(Math.min(...u32)), hi: String(Math.max(...u32)), nulls },
      ]
    })
    expect(stats.map((r) => ({ ...r, g: Number(r.g), nulls: Number(r.nulls) }))).toEqual(expected)
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(path))
    expect(meta.created_by).toBe('sd-parquet')
    expect(meta.row_groups[0]?.columns[3]?.column_index_offset).toBeDefined()
    expect(meta.row_groups[0]?.columns[3]?.offset_index_offset).toBeDefined()

    // pages are pruned where every read column is flat: the vector (a list) is left out
    const filter = { id: { $gte: 2000, $lt: 2010 } }
    const flat = FIELDS.filter((f) => f.type !== 'vector').map((f) => f.name)
    for (const workers of [0, 2]) {
      const loader = await ParquetStreamingLoader.open(path, {
        filters: filter,
        workers,
        cacheEnabled: false,
        columns: flat,
      })
      const rows = await loader.toDataset().toArray()
      expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, k) => 2000 + k))
      expect(rows).toEqual(batch(2000, 10).select(flat).rows())
      expect(loader.getStats().parquet.pagesSkipped).toBeGreaterThan(10)
    }
  })
})

describe('writeParquet: edge cases', () => {
  it('writes an empty dataset with its schema', async () => {
    const path = join(dir, 'empty.parquet')
    const empty = batch(0, 10).slice(0, 0)
    const result = await writeParquet(StreamingDataset.from([empty]), path)
    expect(result).toMatchObject({ numRows: 0, numRowGroups: 0 })
    const [row] = await query(`SELECT count(*) AS n FROM read_parquet(${lit(path)})`)
    expect(Number(row?.n)).toBe(0)
    const loader = await ParquetStreamingLoader.open(path)
    expect(loader.schema).toEqual(FIELDS)
  })

  it('writes REQUIRED columns without levels when no field is nullable', async () => {
    const path = join(dir, 'required.parquet')
    const fields: Field[] = [
      { name: 'a', type: 'float64', nullable: false },
      { name: 'b', type: 'string', nullable: false },
    ]
    const rows = 50_000
    const a = Float64Array.from({ length: rows }, (_, i) => i * 1.5)
    const b = Array.from({ length: rows }, (_, i) => `row ${i}`)
    await writeParquet(StreamingDataset.from([RecordBatch.fromColumns({ a, b }, fields)]), path, {
      rowGroupSize: 20_000,
    })
    const schema = await query(
      `SELECT name, repetition_type AS r FROM parquet_schema(${lit(path)}) WHERE name <> 'duckdb_schema' ORDER BY name`,
    )
    expect(schema.filter((s) => s.name !== 'root' && s.name !== 'schema')).toEqual([
      { name: 'a', r: 'REQUIRED' },
      { name: 'b', r: 'REQUIRED' },
    ])
    const back = await loadParquet(path).collect()
    expect(back.column('a')).toEqual(a)
    expect(back.column('b')).toEqual(b)
  })
})
