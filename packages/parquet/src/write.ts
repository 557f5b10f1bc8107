import { randomBytes } from 'node:crypto'
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import {
  assertBatchSize,
  BatchAccumulator,
  type Field,
  fileSystemError,
  isSdError,
  RecordBatch,
  SdError,
  StreamingDataset,
  throwIfAborted,
  ValidationError,
} from '@sd/core'
import type { FileMetaData, RowGroup } from 'hyparquet'
import { ByteWriter } from 'hyparquet-writer'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'
import { snappyCompress } from 'hyparquet-writer/src/snappy.js'
import { compressorFor, WRITE_CODECS, type WriteCodec } from './compressors.js'
import { SD_SCHEMA_KEY } from './sd-schema.js'
import { writeChunk } from './write-chunk.js'
import { type ChunkIndexes, writePageIndexes } from './write-index.js'
import { leafElement, parquetSchema } from './write-schema.js'
import { writeSource } from './write-source.js'

export { WRITE_CODECS, type WriteCodec } from './compressors.js'

/** Options of {@link writeParquet}. */
export interface ParquetWriteOptions {
  /** Compression of every column. Default `'SNAPPY'`. */
  codec?: WriteCodec
  /** Rows per row group; one row group is held in memory at a time. Default 100,000. */
  rowGroupSize?: number
  /** Target uncompressed page size in bytes. Default 1 MiB. */
  pageSize?: number
  /**
   * Write min/max/null-count statistics of every column chunk and a page index (ColumnIndex and
   * OffsetIndex): they let readers skip row groups and pages. Default true.
   */
  statistics?: boolean
  /** Stops writing; the partial file is removed. */
  signal?: AbortSignal
}

/** What {@link writeParquet} wrote. */
export interface ParquetWriteResult {
  path: string
  numRows: number
  numRowGroups: number
  fileSizeBytes: number
}

/**
 * Writes a dataset (or any iterable of batches) to a Parquet file, streaming: one row group is
 * in memory at a time, encoded straight from its columns' buffers (typed values, validity
 * bitmaps as definition levels, string offsets and bytes) into PLAIN data pages, compressed, and
 * flushed. The file appears complete or not at all: it is written under a temporary name in the
 * same folder and renamed at the end; a failure removes it.
 *
 * Types map to Parquet as: int8/16/32 and uint8/16/32 → INT32 (with their integer annotation),
 * int64/uint64 → INT64, float32 → FLOAT, float64 → DOUBLE, bool → BOOLEAN, string → UTF8,
 * binary → BYTE_ARRAY, timestamp → TIMESTAMP in its unit (seconds as milliseconds), date → DATE,
 * json → JSON, vector → LIST<FLOAT>; nullable fields are OPTIONAL. Statistics and a page index
 * are written for every chunk. The sd schema is kept in the footer so {@link loadParquet} gives
 * back the same types.
 *
 * @example
 * ```ts
 * await writeParquet(loadParquet('in.parquet').filter((b) => ...), 'out.parquet', { codec: 'ZSTD' })
 * ```
 */
export async function writeParquet(
  source: StreamingDataset | AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  path: string,
  options: ParquetWriteOptions = {},
): Promise<ParquetWriteResult> {
  const codec = options.codec ?? 'SNAPPY'
  if (!WRITE_CODECS.includes(codec)) {
    throw new ValidationError(`codec must be one of ${WRITE_CODECS.join(', ')}, got ${String(codec)}`, {
      code: 'INVALID_OPTION',
    })
  }
  const rowGroupSize = options.rowGroupSize ?? 100_000
  assertBatchSize(rowGroupSize, 'rowGroupSize')
  const { signal } = options
  throwIfAborted(signal)
  const compressor = codec === 'SNAPPY' ? snappyCompress : await compressorFor(codec)
  const pageSize = options.pageSize ?? 1 << 20
  if (!(Number.isInteger(pageSize) && pageSize >= 64)) {
    throw new ValidationError(`pageSize must be an integer of at least 64 bytes, got ${String(pageSize)}`, {
      code: 'INVALID_OPTION',
    })
  }
  const statistics = options.statistics ?? true
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let handle: FileHandle
  try {
    handle = await open(tmp, 'wx')
  } catch (err) {
    throw fileSystemError(err, path, 'create')
  }
  let schema: Field[] | undefined
  let numRows = 0
  const rowGroups: RowGroup[] = []
  const indexes: ChunkIndexes[] = []
  const out = new FileWriter(handle)
  const scratch = new ByteWriter(1 << 16)
  out.appendUint32(MAGIC)
  const writeGroup = async (group: RecordBatch) => {
    throwIfAborted(signal)
    const fields = schema as Field[]
    const elements = parquetSchema(fields, path)
    const groupStart = out.offset
    const chunks: ChunkIndexes[] = []
    let element = 1
    for (const field of fields) {
      const leaf = leafElement(elements, element, field)
      element += field.type === 'vector' ? 3 : 1
      const data = columnOf(group, field, path)
      const source = writeSource(data, field)
      if (!field.nullable && data.nullCount > 0 && field.type !== 'null') {
        throw new ValidationError(
          `Column "${field.name}" is not nullable in the first batch, but a later one has ${data.nullCount} nulls`,
          { code: 'PARQUET_SCHEMA_MISMATCH', location: { file: path, column: field.name } },
        )
      }
      if (typeof source === 'string') {
        throw new ValidationError(
          `Column "${field.name}" is ${field.type} in the first batch, got ${source} in a later one`,
          { code: 'PARQUET_SCHEMA_MISMATCH', location: { file: path, column: field.name } },
        )
      }
      chunks.push(
        writeChunk(
          out,
          scratch,
          {
            source,
            validity: field.type === 'null' ? undefined : data.validity,
            length: group.numRows,
            element: leaf,
            nullable: field.nullable || field.type === 'null',
            path: field.type === 'vector' ? [field.name, 'list', 'element'] : [field.name],
          },
          { codec, compress: compressor, pageSize, statistics },
        ),
      )
    }
    let uncompressed = 0n
    for (const c of chunks) uncompressed += c.chunk.meta_data?.total_uncompressed_size ?? 0n
    rowGroups.push({
      columns: chunks.map((c) => c.chunk),
      total_byte_size: uncompressed,
      num_rows: BigInt(group.numRows),
      file_offset: BigInt(groupStart),
      total_compressed_size: BigInt(out.offset - groupStart),
    })
    if (statistics) indexes.push(...chunks)
    numRows += group.numRows
    await out.flush()
  }
  try {
    const acc = new BatchAccumulator(rowGroupSize)
    const batches = source instanceof StreamingDataset ? source.iterBatches(signal ? { signal } : {}) : source
    for await (const batch of batches as AsyncIterable<RecordBatch>) {
      throwIfAborted(signal)
      if (!RecordBatch.isRecordBatch(batch)) {
        throw new ValidationError(`Expected RecordBatches to write, got ${typeof batch}`, {
          code: 'NOT_A_BATCH',
        })
      }
      if (!schema) {
        schema = batch.schema
        parquetSchema(schema, path)
      }
      for (const group of acc.push(batch)) await writeGroup(group)
    }
    const rest = acc.flush()
    if (rest) await writeGroup(rest)
    if (!schema) {
      const fields = source instanceof StreamingDataset ? await source.schema() : undefined
      if (!fields) {
        throw new ValidationError('Nothing to write: the source yielded no batches and has no schema', {
          code: 'PARQUET_NO_SCHEMA',
          location: { file: path },
        })
      }
      schema = fields
    }
    throwIfAborted(signal)
    // the page indexes of every chunk, then the footer
    writePageIndexes(out, indexes)
    const metadata: Omit<FileMetaData, 'metadata_length'> = {
      version: 2,
      schema: parquetSchema(schema, path),
      num_rows: BigInt(numRows),
      row_groups: rowGroups,
      key_value_metadata: [{ key: SD_SCHEMA_KEY, value: JSON.stringify(schema) }],
      created_by: CREATED_BY,
    }
    writeMetadata(out, metadata as FileMetaData)
    out.appendUint32(MAGIC)
    await out.flush()
    await handle.close()
    await rename(tmp, path)
  } catch (err) {
    await handle.close().catch(() => undefined)
    await unlink(tmp).catch(() => undefined)
    if (isSdError(err)) throw err
    const detail = err instanceof Error ? err.message : String(err)
    throw new SdError(`Could not write the Parquet file: ${detail}`, {
      code: 'PARQUET_WRITE_FAILED',
      cause: err,
      location: { file: path },
    })
  }
  const { size } = await stat(path)
  return { path, numRows, numRowGroups: rowGroups.length, fileSizeBytes: size }
}

/** `PAR1`, little-endian. */
const MAGIC = 0x31524150
/** The `created_by` of the files written here. */
const CREATED_BY = 'sd-parquet'

/** The column of `batch` for `field`; every batch must have the first one's columns. */
function columnOf(batch: RecordBatch, field: Field, path: string) {
  if (!batch.hasColumn(field.name)) {
    throw new ValidationError(
      `Every batch must have the columns of the first one; column "${field.name}" is missing`,
      { code: 'PARQUET_SCHEMA_MISMATCH', location: { file: path, column: field.name } },
    )
  }
  return batch.data(field.name)
}

/** A byte buffer flushed to the file after every row group. */
class FileWriter extends ByteWriter {
  readonly #handle: FileHandle
  #pending: Promise<void> = Promise.resolve()

  constructor(handle: FileHandle) {
    super(1 << 20)
    this.#handle = handle
  }

  flush(): Promise<void> {
    const chunk = new Uint8Array(this.buffer, 0, this.index).slice()
    this.index = 0
    this.#pending = this.#pending.then(async () => {
      // a write may take fewer bytes than given: loop until the chunk is all in
      let done = 0
      while (done < chunk.length) {
        const { bytesWritten } = await this.#handle.write(chunk, done, chunk.length - done)
        done += bytesWritten
      }
    })
    return this.#pending
  }
}
