/**
 * Each reader of the comparison in its fastest form, reading a whole file and handing every value
 * to the same kind of consumer: sd batches, parquet-wasm Arrow batches (`ParquetFile.stream`),
 * DuckDB's columnar chunks (`fetchChunk().getColumns()`), hyparquet row group by row group
 * (`onChunk`). Each returns the rows read and the time to its first batch.
 */
import { openAsBlob } from 'node:fs'
import type { DuckDBConnection } from '@duckdb/node-api'
import type { RecordBatch } from '@sd/core'
import { loadParquet } from '@sd/parquet'
import { type RecordBatch as ArrowBatch, tableFromIPC } from 'apache-arrow'
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { consumeArrow, consumeBatch, consumeValues } from './consume.ts'
import { parquetWasm } from './data.ts'

/** What a read did. */
export interface ReadResult {
  rows: number
  firstMs: number
  sink: number
}

/** Every batch of a reader's pass consumed: rows, time to the first batch, checksum. */
export async function consumeBatches(batches: AsyncIterable<RecordBatch>): Promise<ReadResult> {
  const t0 = performance.now()
  let firstMs = 0
  let rows = 0
  let sink = 0
  for await (const batch of batches) {
    if (rows === 0) firstMs = performance.now() - t0
    rows += batch.numRows
    sink += consumeBatch(batch)
  }
  return { rows, firstMs, sink }
}

/** sd: `loadParquet` batches, cache off. */
export function sdRead(file: string, batchSize: number, workers: 'auto' | number): Promise<ReadResult> {
  return consumeBatches(loadParquet(file, { batchSize, workers, cacheEnabled: false }))
}

/** parquet-wasm 0.8: `ParquetFile.fromFile(openAsBlob(path))`, `stream({ batchSize })`, Arrow batches. */
export async function wasmRead(file: string, batchSize: number): Promise<ReadResult> {
  const t0 = performance.now()
  let firstMs = 0
  let rows = 0
  let sink = 0
  const pf = await parquetWasm.ParquetFile.fromFile(await openAsBlob(file))
  const stream = (await pf.stream({ batchSize })) as unknown as AsyncIterable<{ intoIPCStream(): Uint8Array }>
  for await (const wasmBatch of stream) {
    for (const batch of tableFromIPC(wasmBatch.intoIPCStream()).batches as ArrowBatch[]) {
      if (rows === 0) firstMs = performance.now() - t0
      rows += batch.numRows
      sink += consumeArrow(batch)
    }
  }
  pf.free()
  return { rows, firstMs, sink }
}

/** DuckDB: `stream` a query, then `fetchChunk().getColumns()` chunk by chunk, every value consumed. */
export async function duckQuery(con: DuckDBConnection, sql: string): Promise<ReadResult> {
  const t0 = performance.now()
  let firstMs = 0
  let rows = 0
  let sink = 0
  const result = await con.stream(sql)
  for (;;) {
    const chunk = await result.fetchChunk()
    if (!chunk || chunk.rowCount === 0) break
    if (rows === 0) firstMs = performance.now() - t0
    rows += chunk.rowCount
    for (const column of chunk.getColumns()) sink += consumeValues(column)
  }
  return { rows, firstMs, sink }
}

/** A path as a SQL string literal. */
export function sqlPath(file: string): string {
  return `'${file.replaceAll("'", "''")}'`
}

/** DuckDB: `read_parquet` streamed, chunk by chunk. */
export function duckRead(con: DuckDBConnection, file: string): Promise<ReadResult> {
  return duckQuery(con, `SELECT * FROM read_parquet(${sqlPath(file)})`)
}

/** hyparquet: `parquetRead` with `onChunk`, one row group at a time (its whole-file read holds every range). */
export async function hyparquetRead(file: string): Promise<ReadResult> {
  const t0 = performance.now()
  let firstMs = 0
  let rows = 0
  let sink = 0
  const buffer = await asyncBufferFromFile(file)
  const metadata = await parquetMetadataAsync(buffer)
  const first = metadata.schema[1]?.name
  let at = 0
  for (const group of metadata.row_groups) {
    const n = Number(group.num_rows)
    await parquetRead({
      file: buffer,
      metadata,
      rowStart: at,
      rowEnd: at + n,
      compressors,
      onChunk: (chunk) => {
        if (rows === 0) firstMs = performance.now() - t0
        if (chunk.columnName === first) rows += chunk.columnData.length
        sink += consumeValues(chunk.columnData as ArrayLike<unknown>)
      },
    })
    at += n
  }
  return { rows, firstMs, sink }
}
