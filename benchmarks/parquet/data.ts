/**
 * The Parquet benchmark files, written once per size and reused (named by their parameters):
 * - `five`: rows x (id BIGINT, value DOUBLE, n INTEGER, label VARCHAR of 1,000 distinct values,
 *   flag BOOLEAN), written by DuckDB (every column OPTIONAL, as DuckDB, pandas, pyarrow and Spark
 *   write them), SNAPPY or ZSTD, row groups of 122,880 rows;
 * - `five-required`: the same rows with every column REQUIRED, written by hyparquet-writer (DuckDB
 *   writes OPTIONAL even for NOT NULL tables, parquet-wasm 0.8 even for non-nullable Arrow fields);
 * - `text`: id and a text column of 200 to 2,000 bytes per value (DuckDB, SNAPPY);
 * - `wide`: 100 FLOAT columns (DuckDB, SNAPPY);
 * - `pair`: one nullable BIGINT and one nullable DOUBLE column, for the one-batch memory check.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm'
import { DuckDBInstance } from '@duckdb/node-api'
import { loadParquet } from '@sd/parquet'
import { fileWriter, ParquetWriter } from 'hyparquet-writer'

export const ROW_GROUP = 122_880

type ParquetWasm = typeof import('parquet-wasm/node')
/** parquet-wasm's Node build (CommonJS: loaded with require). */
export const parquetWasm = createRequire(import.meta.url)('parquet-wasm/node') as ParquetWasm

export type Codec = 'snappy' | 'zstd'

const sql = (path: string) => `'${path.replaceAll("'", "''")}'`

async function duckCopy(select: string, path: string, codec: Codec, rowGroup = ROW_GROUP): Promise<string> {
  if (existsSync(path)) return path
  const tmp = `${path}.partial-${process.pid}`
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  try {
    await con.run(
      `COPY (${select}) TO ${sql(tmp)} (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE ${rowGroup})`,
    )
  } finally {
    con.closeSync()
  }
  renameSync(tmp, path)
  return path
}

/** The five-column file written by DuckDB (nullable columns, no nulls). */
export function fiveColumns(dir: string, rows: number, codec: Codec): Promise<string> {
  mkdirSync(dir, { recursive: true })
  return duckCopy(
    `SELECT i::BIGINT AS id, (hash(i) % 1000000) / 1000.0 AS value, (i % 100000)::INTEGER AS n,
      'label-' || (hash(i * 7) % 1000) AS label, (i % 3 = 0) AS flag FROM range(${rows}) t(i)`,
    join(dir, `five-${rows}-${codec}.parquet`),
    codec,
  )
}

/**
 * The same rows with every column REQUIRED, written by hyparquet-writer from the DuckDB file's
 * data, row group by row group (parquet-wasm 0.8 writes OPTIONAL columns even from a
 * non-nullable Arrow schema).
 */
export async function fiveColumnsRequired(dir: string, rows: number, codec: Codec): Promise<string> {
  const path = join(dir, `five-required-${rows}-${codec}.parquet`)
  if (existsSync(path)) return path
  const source = await fiveColumns(dir, rows, codec)
  await zstdInit()
  const tmp = `${path}.partial-${process.pid}`
  const writer = new ParquetWriter({
    writer: fileWriter(tmp),
    schema: [
      { name: 'root', num_children: 5 },
      { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
      { name: 'value', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      { name: 'n', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'flag', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
    ],
    codec: codec === 'snappy' ? 'SNAPPY' : 'ZSTD',
    compressors: { ZSTD: (input: Uint8Array) => zstdCompress(input, 3) },
  })
  for await (const batch of loadParquet(source, { batchSize: ROW_GROUP, cacheEnabled: false, workers: 0 })) {
    const flag = batch.column('flag') as Uint8Array
    await writer.write({
      columnData: [
        // the encodings DuckDB chose for the nullable file: PLAIN numbers, dictionary labels
        { name: 'id', data: batch.column('id') as BigInt64Array, encoding: 'PLAIN' },
        { name: 'value', data: batch.column('value') as Float64Array, encoding: 'PLAIN' },
        { name: 'n', data: batch.column('n') as Int32Array, encoding: 'PLAIN' },
        { name: 'label', data: batch.column('label') as string[] },
        { name: 'flag', data: Array.from(flag, (v) => v === 1) },
      ],
      rowGroupSize: batch.numRows,
    })
  }
  await writer.finish()
  renameSync(tmp, path)
  return path
}

/** id and a text of 200 to 2,000 bytes per row. */
export function textColumn(dir: string, rows: number): Promise<string> {
  mkdirSync(dir, { recursive: true })
  return duckCopy(
    `SELECT i::BIGINT AS id, substr(repeat(md5(i::VARCHAR) || ' ' || md5((i * 31)::VARCHAR) || ' ', 40), 1,
      200 + (hash(i) % 1801)::INTEGER) AS text FROM range(${rows}) t(i)`,
    join(dir, `text-${rows}.parquet`),
    'snappy',
  )
}

/** 100 FLOAT columns. */
export function wideColumns(dir: string, rows: number): Promise<string> {
  mkdirSync(dir, { recursive: true })
  const columns = Array.from(
    { length: 100 },
    (_, k) => `((hash(i + ${k * 7919}) % 100000) / 100.0)::FLOAT AS c${k}`,
  )
  return duckCopy(
    `SELECT ${columns.join(', ')} FROM range(${rows}) t(i)`,
    join(dir, `wide-${rows}.parquet`),
    'snappy',
  )
}

/**
 * One nullable BIGINT and one nullable DOUBLE column (a few nulls), in one row group, so the whole
 * file decodes as one batch without joining pieces.
 */
export function pairColumns(dir: string, rows: number): Promise<string> {
  mkdirSync(dir, { recursive: true })
  return duckCopy(
    `SELECT CASE WHEN i % 1000 = 7 THEN NULL ELSE i * 3 END::BIGINT AS a,
      CASE WHEN i % 999 = 5 THEN NULL ELSE i / 7 END::DOUBLE AS b FROM range(${rows}) t(i)`,
    join(dir, `pair-one-group-${rows}.parquet`),
    'snappy',
    rows,
  )
}
