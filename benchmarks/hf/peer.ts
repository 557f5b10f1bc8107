/**
 * The readers of the hf suite, each with a consumer that touches every value: hyparquet reading
 * each file row group by row group over HTTP through `asyncBufferFromUrl` (one range request per
 * slice, no read-ahead: what a hand-written reader does), parquet-wasm streaming Arrow batches
 * from the URL (its fastest form, with concurrent range requests), and sd.
 */
import type { RecordBatch } from '@sd/core'
import { loadHuggingFace } from '@sd/hf'
import { tableFromIPC } from 'apache-arrow'
import { asyncBufferFromUrl, parquetMetadataAsync, parquetRead } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { ParquetFile, type RecordBatch as WasmBatch } from 'parquet-wasm'

/** What a full pass read: its rows, and a checksum over every value (so no value goes untouched). */
export interface Pass {
  rows: number
  checksum: number
}

/** Adds up every value of a column: numbers, bigints, booleans and string lengths. */
export function touch(values: ArrayLike<unknown>): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v === 'number') sum += v
    else if (typeof v === 'string') sum += v.length
    else if (typeof v === 'boolean') sum += v ? 1 : 0
    else if (typeof v === 'bigint') sum += Number(v)
  }
  return sum
}

/** Every value of an sd batch, as the user gets them (`column(name)`: typed arrays, strings). */
export function touchBatch(batch: RecordBatch): number {
  let sum = 0
  for (const name of batch.columnNames) sum += touch(batch.column(name) as ArrayLike<unknown>)
  return sum
}

/** A full pass of sd over `dataset` on the hub at `hubUrl`. */
export async function sdPass(
  hubUrl: string,
  dataset: string,
  options: { prefetchBatches?: number; workers?: 'auto' | number } = {},
): Promise<Pass> {
  const pass: Pass = { rows: 0, checksum: 0 }
  for await (const batch of loadHuggingFace(dataset, { hubUrl, cacheEnabled: false, ...options })) {
    pass.rows += batch.numRows
    pass.checksum += touchBatch(batch)
  }
  return pass
}

/** hyparquet over the files at `urls` (each `byteLength` bytes), row group by row group. */
export async function hyparquetRowGroups(urls: string[], byteLength: number): Promise<Pass> {
  const pass: Pass = { rows: 0, checksum: 0 }
  for (const url of urls) {
    const file = await asyncBufferFromUrl({ url, byteLength })
    const metadata = await parquetMetadataAsync(file)
    let start = 0
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows)
      await parquetRead({
        file,
        metadata,
        rowStart: start,
        rowEnd: end,
        compressors,
        onChunk: (chunk) => {
          const values = chunk.columnData as ArrayLike<unknown>
          if (chunk.columnName === 'id') pass.rows += chunk.rowEnd - chunk.rowStart
          pass.checksum += touch(values)
        },
      })
      start = end
    }
  }
  return pass
}

/**
 * parquet-wasm over the files at `urls`: `ParquetFile.fromUrl`, then `stream({ batchSize,
 * concurrency })` of Arrow batches (read as apache-arrow tables through IPC), every column's
 * values touched.
 */
export async function parquetWasmStream(
  urls: string[],
  batchSize: number,
  concurrency: number,
): Promise<Pass> {
  const pass: Pass = { rows: 0, checksum: 0 }
  for (const url of urls) {
    const file = await ParquetFile.fromUrl(url)
    try {
      const stream = (await file.stream({ batchSize, concurrency })) as unknown as AsyncIterable<WasmBatch>
      for await (const wasmBatch of stream) {
        const table = tableFromIPC(wasmBatch.intoIPCStream())
        pass.rows += table.numRows
        for (let c = 0; c < table.numCols; c++) {
          const values = table.getChildAt(c)?.toArray() as ArrayLike<unknown> | undefined
          if (values) pass.checksum += touch(values)
        }
      }
    } finally {
      file.free()
    }
  }
  return pass
}
