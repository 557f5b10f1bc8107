import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AbortError, type Field, RecordBatch, SdError, StreamingDataset, ValidationError } from '@sd/core'
import { rowsDifference } from '@sd/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WRITE_CODECS } from './compressors.js'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import { lit, query, tempDir } from './test-support/fixtures.js'
import { writeParquet } from './write.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
})
afterAll(() => cleanup())

const SCHEMA: Field[] = [
  { name: 'i8', type: 'int8', nullable: false },
  { name: 'i16', type: 'int16', nullable: false },
  { name: 'i32', type: 'int32', nullable: false },
  { name: 'i64', type: 'int64', nullable: false },
  { name: 'u8', type: 'uint8', nullable: false },
  { name: 'u16', type: 'uint16', nullable: false },
  { name: 'u32', type: 'uint32', nullable: false },
  { name: 'u64', type: 'uint64', nullable: false },
  { name: 'f32', type: 'float32', nullable: false },
  { name: 'f64', type: 'float64', nullable: false },
  { name: 'ok', type: 'bool', nullable: false },
  { name: 's', type: 'string', nullable: true },
  { name: 'bin', type: 'binary', nullable: false },
  { name: 'ts', type: 'timestamp', nullable: true },
  { name: 'day', type: 'date', nullable: false },
  { name: 'meta', type: 'json', nullable: true },
  { name: 'vec', type: 'vector', nullable: false, dimension: 3 },
]

/** Rows `[start, start + n)` of every type, deterministic. */
function batch(start: number, n: number): RecordBatch {
  const ids = Array.from({ length: n }, (_, k) => start + k)
  return RecordBatch.fromColumns(
    {
      i8: Int8Array.from(ids, (i) => (i % 256) - 128),
      i16: Int16Array.from(ids, (i) => (i % 60_000) - 30_000),
      i32: Int32Array.from(ids, (i) => i * 7 - 1000),
      i64: BigInt64Array.from(ids, (i) => BigInt(i) * 10_000_000_000n),
      u8: Uint8Array.from(ids, (i) => i % 256),
      u16: Uint16Array.from(ids, (i) => i % 65_536),
      u32: Uint32Array.from(ids, (i) => 4_000_000_000 - i),
      u64: BigUint64Array.from(ids, (i) => 18_000_000_000_000_000_000n + BigInt(i)),
      f32: Float32Array.from(ids, (i) => i / 4),
      f64: Float64Array.from(ids, (i) => i * 0.1),
      ok: Uint8Array.from(ids, (i) => i % 3 && 1),
      s: ids.map((i) => (i % 10 === 0 ? null : `s${i % 97}-ü`)),
      bin: ids.map((i) => Uint8Array.of(i % 256, 0, 255)),
      ts: ids.map((i) => (i % 13 === 0 ? null : new Date(1_700_000_000_000 + i * 1000))),
      day: ids.map((i) => new Date(Date.UTC(2024, 0, 1 + (i % 400)))),
      meta: ids.map((i) => (i % 4 === 0 ? null : { i, tags: ['a', i % 2 ? 'b' : 'c'] })),
      vec: ids.map((i) => Float32Array.of(i, i + 0.5, -i)),
    },
    SCHEMA,
  )
}

function source(rows: number, size: number): StreamingDataset {
  return StreamingDataset.from(function* () {
    for (let start = 0; start < rows; start += size) yield batch(start, Math.min(size, rows - start))
  })
}

describe('writeParquet', () => {
  it.each(WRITE_CODECS)('%s: reading back gives the same rows and types', async (codec) => {
    const path = join(dir, `all-${codec}.parquet`)
    const result = await writeParquet(source(2500, 700), path, { codec, rowGroupSize: 1000 })
    expect(result).toMatchObject({ path, numRows: 2500, numRowGroups: 3 })
    const loader = await ParquetStreamingLoader.open(path)
    expect(loader.schema).toEqual(SCHEMA)
    const back = await loader.toDataset().collect()
    const expected = batch(0, 2500)
    for (const field of SCHEMA)
      expect([field.name, back.column(field.name)]).toEqual([field.name, expected.column(field.name)])
    expect(rowsDifference([back], [expected])).toBeUndefined()
  })

  it.each(WRITE_CODECS.filter((c) => c !== 'LZ4'))(
    '%s: DuckDB reads our file with the same sums',
    async (codec) => {
      const path = join(dir, `all-${codec}.parquet`)
      const [row] =
        await query(`SELECT count(*) AS n, sum(i32) AS i32, sum(i64) AS i64, sum(u8) AS u8, sum(f64) AS f64,
      count(s) AS cs, sum(length(s)) AS ls, count(*) FILTER (ok) AS ok, sum(epoch_ms(ts)) AS ts,
      sum(len(vec)) AS vl, sum(vec[1]) AS v1, sum(day - DATE '1970-01-01') AS days FROM read_parquet(${lit(path)})`)
      const expected = batch(0, 2500).rows()
      const sum = (f: (r: Record<string, unknown>) => number) => expected.reduce((a, r) => a + f(r), 0)
      expect(Number(row?.n)).toBe(2500)
      expect(Number(row?.i32)).toBe(sum((r) => r.i32 as number))
      expect(BigInt(row?.i64 as bigint)).toBe(expected.reduce((a, r) => a + (r.i64 as bigint), 0n))
      expect(Number(row?.u8)).toBe(sum((r) => r.u8 as number))
      expect(Number(row?.f64)).toBeCloseTo(
        sum((r) => r.f64 as number),
        6,
      )
      expect(Number(row?.cs)).toBe(expected.filter((r) => r.s !== null).length)
      expect(Number(row?.ls)).toBe(sum((r) => (r.s === null ? 0 : (r.s as string).length)))
      expect(Number(row?.ok)).toBe(expected.filter((r) => r.ok).length)
      expect(Number(row?.ts)).toBe(sum((r) => (r.ts === null ? 0 : (r.ts as Date).getTime())))
      expect(Number(row?.vl)).toBe(2500 * 3)
      expect(Number(row?.v1)).toBe(sum((r) => (r.vec as Float32Array)[0] as number))
      expect(Number(row?.days)).toBe(sum((r) => (r.day as Date).getTime() / 86_400_000))
    },
  )

  it('streams: row groups of rowGroupSize from an async iterable, one at a time', async () => {
    const path = join(dir, 'stream.parquet')
    let produced = 0
    async function* batches() {
      for (let start = 0; start < 10_000; start += 999) {
        produced += Math.min(999, 10_000 - start)
        yield batch(start, Math.min(999, 10_000 - start)).select(['i32', 'f64'])
      }
    }
    const result = await writeParquet(batches(), path, { rowGroupSize: 4000 })
    expect(result.numRowGroups).toBe(3)
    expect(produced).toBe(10_000)
    const meta = await query(
      `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(${lit(path)}) ORDER BY 1`,
    )
    expect(meta.map((m) => Number(m.row_group_num_rows))).toEqual([4000, 4000, 2000])
    expect((await loadParquet(path).collect()).column('i32')).toEqual(batch(0, 10_000).column('i32'))
  })

  it('copies a Parquet dataset: load, filter, write, load again', async () => {
    const from = join(dir, 'all-SNAPPY.parquet')
    const path = join(dir, 'copy.parquet')
    await writeParquet(loadParquet(from, { filters: { i32: { $lt: 0 } }, columns: ['i32', 's'] }), path)
    const rows = await loadParquet(path).toArray()
    expect(rows).toEqual(
      batch(0, 2500)
        .rows()
        .filter((r) => (r.i32 as number) < 0)
        .map((r) => ({ i32: r.i32, s: r.s })),
    )
  })

  it('leaves no file behind when the source fails, and keeps what was there', async () => {
    const path = join(dir, 'fail.parquet')
    await writeFile(path, 'previous contents')
    async function* failing() {
      yield batch(0, 100)
      throw new Error('source broke')
    }
    const err = await writeParquet(failing(), path, { rowGroupSize: 50 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SdError)
    expect((err as Error).message).toContain('source broke')
    const names = await readdir(dir)
    expect(names.filter((n) => n.includes('fail.parquet'))).toEqual(['fail.parquet'])
    expect(names.some((n) => n.endsWith('.tmp'))).toBe(false)
  })

  it('stops on abort and leaves no file behind', async () => {
    const controller = new AbortController()
    async function* slow() {
      for (let start = 0; ; start += 100) {
        if (start === 300) controller.abort()
        yield batch(start, 100)
      }
    }
    const path = join(dir, 'aborted.parquet')
    const err = await writeParquet(slow(), path, { rowGroupSize: 100, signal: controller.signal }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(AbortError)
    expect((await readdir(dir)).filter((n) => n.includes('aborted'))).toEqual([])
  })

  it('rejects an unknown codec and a bad rowGroupSize', async () => {
    await expect(
      writeParquet(source(10, 10), join(dir, 'x.parquet'), { codec: 'LZO' as 'ZSTD' }),
    ).rejects.toThrow(ValidationError)
    await expect(writeParquet(source(10, 10), join(dir, 'x.parquet'), { rowGroupSize: 0 })).rejects.toThrow(
      ValidationError,
    )
  })
})
