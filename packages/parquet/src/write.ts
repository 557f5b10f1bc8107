import { randomBytes } from 'node:crypto'
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import {
  assertBatchSize,
  BatchAccumulator,
  type ColumnValues as Column,
  type Field,
  fileSystemError,
  isSdError,
  RecordBatch,
  SdError,
  StreamingDataset,
  throwIfAborted,
  ValidationError,
} from '@sd/core'
import type { DecodedArray, SchemaElement } from 'hyparquet'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { compressorFor, WRITE_CODECS, type WriteCodec } from './compressors.js'
import { SD_SCHEMA_KEY } from './sd-schema.js'

export { WRITE_CODECS, type WriteCodec } from './compressors.js'

/** Options of {@link writeParquet}. */
export interface ParquetWriteOptions {
  /** Compression of every column. Default `'SNAPPY'`. */
  codec?: WriteCodec
  /** Rows per row group; one row group is held in memory at a time. Default 100,000. */
  rowGroupSize?: number
  /** Target uncompressed page size in bytes. Default 1 MiB. */
  pageSize?: number
  /** Write min/max/null-count statistics (they let readers skip row groups). Default true. */
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
 * in memory at a time. The file appears complete or not at all: it is written under a temporary
 * name in the same folder and renamed at the end; a failure removes it.
 *
 * Types map to Parquet as: int8/16/32 and uint8/16/32 → INT32 (with their integer annotation),
 * int64/uint64 → INT64, float32 → FLOAT, float64 → DOUBLE, bool → BOOLEAN, string → UTF8,
 * binary → BYTE_ARRAY, timestamp → TIMESTAMP_MILLIS, date → DATE, json → JSON, vector →
 * LIST<FLOAT>; nullable fields are OPTIONAL. The sd schema is kept in the footer so
 * {@link loadParquet} gives back the same types.
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
  const compressor = await compressorFor(codec)
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let handle: FileHandle
  try {
    handle = await open(tmp, 'wx')
  } catch (err) {
    throw fileSystemError(err, path, 'create')
  }
  let writer: ParquetWriter | undefined
  let schema: Field[] | undefined
  let numRows = 0
  let numRowGroups = 0
  const out = new FileWriter(handle)
  const start = (fields: Field[]) => {
    schema = fields
    writer = new ParquetWriter({
      writer: out,
      schema: parquetSchema(fields, path),
      codec,
      ...(compressor ? { compressors: { [codec]: compressor } } : {}),
      statistics: options.statistics ?? true,
      kvMetadata: [{ key: SD_SCHEMA_KEY, value: JSON.stringify(fields) }],
      createdBy: 'sd-parquet (hyparquet-writer)',
    })
  }
  const writeGroup = async (group: RecordBatch) => {
    throwIfAborted(signal)
    const fields = schema as Field[]
    await (writer as ParquetWriter).write({
      columnData: fields.map((field) => ({ name: field.name, data: columnData(group, field, path) })),
      rowGroupSize: group.numRows,
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    })
    numRows += group.numRows
    numRowGroups++
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
      if (!schema) start(batch.schema)
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
      start(fields)
    }
    await (writer as ParquetWriter).finish()
    await out.done()
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
  return { path, numRows, numRowGroups, fileSizeBytes: size }
}

/** hyparquet-writer's byte buffer, flushed to the file after every row group. */
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

  override finish(): void {
    void this.flush().catch(() => undefined)
  }

  /** Resolves when every flushed byte is in the file. */
  done(): Promise<void> {
    return this.#pending
  }
}

function parquetSchema(fields: readonly Field[], path: string): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: fields.length }]
  for (const field of fields) {
    const repetition_type = field.nullable ? 'OPTIONAL' : 'REQUIRED'
    const name = field.name
    switch (field.type) {
      case 'int8':
      case 'int16':
      case 'uint8':
      case 'uint16':
      case 'uint32': {
        const converted = {
          int8: 'INT_8',
          int16: 'INT_16',
          uint8: 'UINT_8',
          uint16: 'UINT_16',
          uint32: 'UINT_32',
        } as const
        schema.push({ name, type: 'INT32', converted_type: converted[field.type], repetition_type })
        break
      }
      case 'int32':
        schema.push({ name, type: 'INT32', repetition_type })
        break
      case 'int64':
        schema.push({ name, type: 'INT64', repetition_type })
        break
      case 'uint64':
        schema.push({ name, type: 'INT64', converted_type: 'UINT_64', repetition_type })
        break
      case 'float32':
        schema.push({ name, type: 'FLOAT', repetition_type })
        break
      case 'float64':
        schema.push({ name, type: 'DOUBLE', repetition_type })
        break
      case 'bool':
        schema.push({ name, type: 'BOOLEAN', repetition_type })
        break
      case 'string':
        schema.push({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type })
        break
      case 'binary':
        schema.push({ name, type: 'BYTE_ARRAY', repetition_type })
        break
      case 'timestamp':
        schema.push({ name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type })
        break
      case 'date':
        schema.push({ name, type: 'INT32', converted_type: 'DATE', repetition_type })
        break
      case 'json':
        schema.push({ name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type })
        break
      case 'null':
        schema.push({ name, type: 'INT32', repetition_type: 'OPTIONAL' })
        break
      case 'vector':
        schema.push(
          { name, repetition_type, converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
        )
        break
      default:
        throw new ValidationError(`Cannot write column type ${String(field.type)}`, {
          code: 'PARQUET_UNSUPPORTED_TYPE',
          location: { file: path, column: name },
        })
    }
  }
  return schema
}

/** A batch column as hyparquet-writer takes it for `field`. */
function columnData(batch: RecordBatch, field: Field, path: string): DecodedArray {
  if (!batch.hasColumn(field.name)) {
    throw new ValidationError(
      `Every batch must have the columns of the first one; column "${field.name}" is missing`,
      { code: 'PARQUET_SCHEMA_MISMATCH', location: { file: path, column: field.name } },
    )
  }
  const data = batch.data(field.name)
  // nulls, vectors, dates and timestamps go to the writer as JS values (null, arrays, Dates)
  const asValues =
    data.nullCount > 0 || data.kind === 'vector' || field.type === 'date' || field.type === 'timestamp'
  const column: Column = asValues
    ? Array.from({ length: data.length }, (_, i) => data.get(i))
    : data.toValues()
  switch (field.type) {
    case 'bool':
      return ArrayBuffer.isView(column) ? Array.from(column as Uint8Array, (v) => v !== 0) : column
    case 'int8':
    case 'int16':
    case 'uint8':
    case 'uint16':
      return ArrayBuffer.isView(column) ? Int32Array.from(column as ArrayLike<number>) : column
    case 'uint32':
      // hyparquet-writer folds values above 2^31 into INT32 only from plain arrays
      return ArrayBuffer.isView(column) ? Array.from(column as Uint32Array) : column
    case 'int64':
      return column instanceof BigInt64Array ? column : Array.from(column as ArrayLike<unknown>, toBigInt)
    case 'uint64':
      return column instanceof BigUint64Array ? column : Array.from(column as ArrayLike<unknown>, toBigInt)
    case 'vector':
      return Array.from(column as ArrayLike<unknown>, (v) =>
        v === null || v === undefined ? v : Array.from(v as ArrayLike<number>),
      )
    default:
      return column as DecodedArray
  }
}

function toBigInt(v: unknown): unknown {
  return typeof v === 'number' ? BigInt(v) : v
}
