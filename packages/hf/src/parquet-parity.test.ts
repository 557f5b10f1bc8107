/**
 * The same Parquet file reads the same whether it comes from the hub (`loadHuggingFace`) or from
 * disk (`loadParquet`): the same schema (narrow integers, vectors, timestamps, dates), the same
 * column layouts and values, the same refusal of a type neither reads.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { RecordBatch, type SdError } from '@sd/core'
import { loadParquet, writeParquet } from '@sd/parquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHuggingFace } from './load.js'
import { collect } from './test-support/fixtures.js'
import { FakeHub } from './test-support/hub-server.js'

let hub: FakeHub
let dir: string
const paths = { typed: '', vectors: '', interval: '' }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sd-hf-parity-'))
  Object.assign(paths, {
    typed: join(dir, 'typed.parquet'),
    vectors: join(dir, 'vectors.parquet'),
    interval: join(dir, 'interval.parquet'),
  })
  // DuckDB: narrow and wide integers, floats, strings (some null), booleans, dates, timestamps,
  // in several row groups
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  try {
    await db.run(`COPY (SELECT
        (range % 100 - 50)::TINYINT AS i8,
        (range * 7 % 30000)::SMALLINT AS i16,
        range::INTEGER AS i32,
        CASE WHEN range % 9 = 0 THEN NULL ELSE range * 1000000007 END AS i64,
        range / 8 AS f64,
        (range % 17)::FLOAT / 4 AS f32,
        CASE WHEN range % 5 = 0 THEN NULL ELSE 'name-' || (range % 23) END AS label,
        range % 3 = 0 AS flag,
        DATE '2001-02-03' + (range % 400)::INTEGER AS day,
        TIMESTAMP '2020-01-01' + INTERVAL (range) SECOND AS at
      FROM range(5000)) TO '${paths.typed}' (FORMAT parquet, ROW_GROUP_SIZE 1024)`)
    await db.run(
      `COPY (SELECT range AS id, INTERVAL (range) DAY AS span FROM range(10)) TO '${paths.interval}' (FORMAT parquet)`,
    )
  } finally {
    db.closeSync()
  }
  // @sd/parquet's writer: a vector column (LIST<FLOAT> with the sd schema in the footer)
  const vectors = Float32Array.from({ length: 300 * 4 }, (_, i) => Math.fround(i / 7))
  const batch = RecordBatch.fromColumns(
    { id: Int32Array.from({ length: 300 }, (_, i) => i), embedding: vectors },
    [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'embedding', type: 'vector', nullable: false, dimension: 4 },
    ],
  )
  await writeParquet([batch], paths.vectors, { rowGroupSize: 128 })

  hub = await FakeHub.start()
  hub.commit('acme/typed', [{ path: 'data/train-00000-of-00001.parquet', data: readFileSync(paths.typed) }])
  hub.commit('acme/vectors', [{ path: 'train.parquet', data: readFileSync(paths.vectors) }])
  hub.commit('acme/interval', [{ path: 'train.parquet', data: readFileSync(paths.interval) }])
})
afterAll(async () => {
  await hub.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Every column of every batch as its kind, type and values (nulls as null). */
function described(batches: RecordBatch[]) {
  return batches.map((b) =>
    b.columns().map((c) => ({ kind: c.kind, type: c.type, nulls: c.nullCount, values: valuesOf(c) })),
  )
}

function valuesOf(column: ReturnType<RecordBatch['columns']>[number]): unknown[] {
  return Array.from({ length: column.length }, (_, i) => column.get(i))
}

describe('one Parquet file, read from the hub and from disk', () => {
  for (const name of ['typed', 'vectors'] as const) {
    it(`${name}: the same schema, layouts and values, batch for batch`, async () => {
      for (const options of [{ batchSize: 700 }, { batchSize: 999, int64: 'number' as const }]) {
        const fromHub = loadHuggingFace(`acme/${name}`, { hubUrl: hub.url, ...options })
        const fromDisk = loadParquet(paths[name], options)
        expect(await fromHub.schema()).toEqual(await fromDisk.schema())
        const [a, b] = [await collect(fromHub), await collect(fromDisk)]
        expect(a.map((x) => x.numRows)).toEqual(b.map((x) => x.numRows))
        expect(a.map((x) => x.schema)).toEqual(b.map((x) => x.schema))
        expect(described(a)).toEqual(described(b))
      }
    })
  }

  it('narrows small integers and lays out vectors as @sd/parquet does', async () => {
    const schema = await loadHuggingFace('acme/typed', { hubUrl: hub.url }).schema()
    expect(schema?.map((f) => [f.name, f.type])).toEqual([
      ['i8', 'int8'],
      ['i16', 'int16'],
      ['i32', 'int32'],
      ['i64', 'int64'],
      ['f64', 'float64'],
      ['f32', 'float32'],
      ['label', 'string'],
      ['flag', 'bool'],
      ['day', 'date'],
      ['at', 'timestamp'],
    ])
    const [first] = await collect(
      loadHuggingFace('acme/typed', { hubUrl: hub.url, batchSize: 100 }).take(100),
    )
    expect(first?.column('i8')).toBeInstanceOf(Int8Array)
    expect(first?.column('i16')).toBeInstanceOf(Int16Array)
    expect(first?.column('i64')).toBeInstanceOf(BigInt64Array)
    expect(first?.data('i64').nullCount).toBe(12)
    const [vectors] = await collect(loadHuggingFace('acme/vectors', { hubUrl: hub.url, batchSize: 300 }))
    const embedding = vectors?.data('embedding')
    expect(embedding?.kind).toBe('vector')
    expect(vectors?.column('embedding')).toEqual(Float32Array.from({ length: 1200 }, (_, i) => i / 7))
  })

  it('refuses an INTERVAL column with the same error either way', async () => {
    const fromHub = await loadHuggingFace('acme/interval', { hubUrl: hub.url })
      .toArray()
      .catch((e: unknown) => e as SdError)
    const fromDisk = await loadParquet(paths.interval)
      .toArray()
      .catch((e: unknown) => e as SdError)
    expect(fromDisk).toMatchObject({ code: 'PARQUET_UNSUPPORTED_TYPE' })
    expect((fromHub as SdError).code).toBe((fromDisk as SdError).code)
    expect((fromHub as SdError).location?.column).toBe('span')
    expect((fromHub as SdError).location?.url).toContain('/datasets/acme/interval/resolve/')
    // reading only the other column works
    expect(await loadHuggingFace('acme/interval', { hubUrl: hub.url, columns: ['id'] }).count()).toBe(10)
  })
})
