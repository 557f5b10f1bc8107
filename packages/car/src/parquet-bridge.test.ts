import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RecordBatch, unpackBits } from '@sd/core'
import { loadParquet } from '@sd/parquet'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadCar } from './load.js'
import { streamCarToParquet, streamParquetToCar } from './parquet-bridge.js'
import { duckdb } from './test-support/duckdb.js'
import { tempDir } from './test-support/files.js'

const dir = tempDir()
const source = join(dir, 'million.parquet')
const ROWS = 1_000_000

beforeAll(async () => {
  await duckdb(
    `COPY (SELECT i::BIGINT AS id, CASE WHEN i % 13 = 0 THEN NULL ELSE i * 0.25 END AS x, (i % 1000)::INTEGER AS k,
       CASE WHEN i % 17 = 0 THEN NULL ELSE 'row-' || (i % 5000) END AS s, i % 3 = 0 AS b
     FROM range(${ROWS}) t(i)) TO '${source}' (FORMAT parquet, ROW_GROUP_SIZE 122880)`,
  )
}, 120_000)

/** A batch as one string, quick to compare: typed arrays as base64, strings as JSON, validity as 0/1 bytes. */
function comparable(batch: RecordBatch): string {
  return JSON.stringify(
    batch.schema.map((f) => {
      const data = batch.data(f.name)
      const values = data.toValues()
      const valid = data.validity ? unpackBits(data.validity, data.length) : undefined
      const base64 = (v: ArrayBufferView) =>
        Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
      return [f, ArrayBuffer.isView(values) ? base64(values) : values, valid ? base64(valid) : null]
    }),
  )
}

describe('streamParquetToCar and streamCarToParquet', () => {
  it('a Parquet file packed as a file comes back byte-identical', async () => {
    const car = join(dir, 'file.car')
    const packed = await streamParquetToCar(source, car)
    expect(packed.layout).toBe('file')
    const out = join(dir, 'file-back.parquet')
    const back = await streamCarToParquet(car, out)
    expect(back).toMatchObject({ layout: 'file', numRows: ROWS })
    expect(readFileSync(out).equals(readFileSync(source))).toBe(true)
  })

  it('a 1M-row dataset in the batch layout comes back as an equal table', async () => {
    const car = join(dir, 'batches.car')
    const written = await streamParquetToCar(source, car, { layout: 'batches', batchSize: 50_000 })
    expect(written.layout === 'batches' && written.numRows).toBe(ROWS)
    // batch by batch against the Parquet reader
    const ours = loadCar(car, { batchSize: 65_536 })[Symbol.asyncIterator]()
    let rows = 0
    for await (const want of loadParquet(source, { batchSize: 65_536 })) {
      const got = await ours.next()
      expect(got.done).toBe(false)
      const batch = got.value as RecordBatch
      expect(comparable(batch) === comparable(want)).toBe(true)
      rows += want.numRows
    }
    expect((await ours.next()).done).toBe(true)
    expect(rows).toBe(ROWS)
    // and written back to Parquet, DuckDB finds no row that differs, row by row in order (a
    // positional join: a missing row pairs with nulls and differs; 0.7 s here where EXCEPT ALL both
    // ways, which hashes every row twice, took 2.5 s)
    const out = join(dir, 'batches-back.parquet')
    const back = await streamCarToParquet(car, out, { batchSize: 100_000 })
    expect(back).toMatchObject({ layout: 'batches', numRows: ROWS })
    const [[differ, count]] = (await duckdb(
      `SELECT (SELECT count(*) FROM '${source}' a POSITIONAL JOIN '${out}' b
        WHERE (a.id, a.x, a.k, a.s, a.b) IS DISTINCT FROM (b.id, b.x, b.k, b.s, b.b))::INTEGER,
        (SELECT count(*) FROM '${out}')::INTEGER`,
    )) as [[number, number]]
    expect([differ, count]).toEqual([0, ROWS])
  }, 180_000)
})
