import { type Field, type RecordBatch, throwIfAborted, ValidationError } from '@sd/core'
import type { CID } from 'multiformats/cid'
import { BusyClock, type StageStats, stage } from './busy-clock.js'
import { CarFileWriter } from './car-writer.js'
import { cborCid } from './cid.js'
import { encodeColumn } from './column-encode.js'
import { finishCar } from './finish-car.js'
import type { BatchesManifest, StoredBatch } from './manifest.js'

/** What {@link writeCar} takes: a dataset, or any (async) iterable of batches. */
export type WriteCarSource = AsyncIterable<RecordBatch> | Iterable<RecordBatch>

/** Options of {@link writeCar}. */
export interface WriteCarOptions {
  /** Write a sidecar index (`<car>.idx`) so {@link openCar} need not scan the CAR. Default true. */
  index?: boolean
  /** Cancels writing (the partial CAR is removed). */
  signal?: AbortSignal
}

/** What {@link writeCar} wrote, and how fast. */
export interface WriteCarResult {
  /** The CAR's root: the manifest block. */
  root: CID
  manifest: BatchesManifest
  numRows: number
  /** Bytes of the CAR. */
  carBytes: number
  /** Blocks in the CAR (each once). */
  blocks: number
  /** Bytes of the columns' buffers written. */
  columnBytes: number
  seconds: number
  /** Time and rate of each stage: waiting for the source's batches, encoding and hashing blocks, writing the CAR. */
  stages: { read: StageStats; encode: StageStats; write: StageStats }
}

/**
 * Writes a dataset as a CAR in the batch layout: each batch's columns in the Apache Arrow layout,
 * one dag-cbor block per column holding its buffers as raw bytes (linked pieces when a column
 * passes 1 MiB), and a manifest as the root with the schema, row counts and, per batch, each
 * column's null count and the minimum and maximum of numeric columns. Every batch must have the
 * first one's columns and types (`SCHEMA_MISMATCH` otherwise). Memory holds one batch and a few
 * MiB of writes, whatever the dataset's size.
 *
 * @example
 * ```ts
 * const { root, numRows } = await writeCar(loadParquet('events.parquet').filter(...), 'events.car')
 * ```
 */
export async function writeCar(
  source: WriteCarSource,
  carPath: string,
  options: WriteCarOptions = {},
): Promise<WriteCarResult> {
  const started = performance.now()
  const { signal } = options
  throwIfAborted(signal)
  const writeClock = new BusyClock()
  let readSeconds = 0
  let encodeSeconds = 0
  let columnBytes = 0
  const writer = await CarFileWriter.create(carPath, cborCid(new Uint8Array(0)), writeClock)
  try {
    let schema: Field[] | undefined
    const batches: StoredBatch[] = []
    let numRows = 0
    const iterator = iterate(source)
    for (;;) {
      throwIfAborted(signal)
      const t0 = performance.now()
      const next = await iterator.next()
      readSeconds += (performance.now() - t0) / 1000
      if (next.done) break
      const batch = next.value
      if (batch.numRows === 0) continue
      schema = schema
        ? checkSchema(schema, batch.schema, batches.length)
        : batch.schema.map((f) => ({ ...f }))
      const t1 = performance.now()
      const columns: CID[] = []
      const stats: StoredBatch['stats'] = []
      for (const field of schema) {
        const data = batch.data(field.name)
        const encoded = encodeColumn(data, field.name)
        for (const block of encoded.blocks) writer.put(block.cid, block.bytes)
        columns.push(encoded.cid)
        stats.push(encoded.stats)
        columnBytes += data.byteSize
      }
      encodeSeconds += (performance.now() - t1) / 1000
      batches.push({ rowStart: numRows, rowEnd: numRows + batch.numRows, columns, stats })
      numRows += batch.numRows
      await writer.drain()
    }
    schema ??= await schemaOf(source)
    const manifest: BatchesManifest = { layout: 'batches', schema, numRows, batches }
    const { root, written } = await finishCar(writer, manifest, options.index !== false)
    return {
      root,
      manifest,
      numRows,
      carBytes: written.bytes,
      blocks: written.blocks,
      columnBytes,
      seconds: (performance.now() - started) / 1000,
      stages: {
        read: stage(columnBytes, readSeconds),
        encode: stage(columnBytes, encodeSeconds),
        write: stage(written.bytes, writeClock.seconds),
      },
    }
  } catch (err) {
    await writer.abort()
    throw err
  }
}

function iterate(source: WriteCarSource): AsyncIterator<RecordBatch> | Iterator<RecordBatch> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]()
  return source[Symbol.iterator]()
}

/** The schema of a source that yielded no rows, when it can tell one (a dataset). */
async function schemaOf(source: WriteCarSource): Promise<Field[]> {
  const withSchema = source as { schema?: () => Promise<Field[]> }
  return typeof withSchema.schema === 'function' ? (await withSchema.schema()).map((f) => ({ ...f })) : []
}

/** The schema so far, widened to nullable where this batch has nulls; a batch that differs otherwise is refused. */
function checkSchema(schema: Field[], next: readonly Field[], batch: number): Field[] {
  const same =
    next.length === schema.length &&
    next.every((f, i) => {
      const g = schema[i] as Field
      return f.name === g.name && f.type === g.type && f.dimension === g.dimension && f.unit === g.unit
    })
  if (!same) {
    const show = (fields: readonly Field[]) => fields.map((f) => `${f.name}: ${f.type}`).join(', ')
    throw new ValidationError(
      `Batch ${batch} has columns [${show(next)}], the first batch had [${show(schema)}]`,
      {
        code: 'SCHEMA_MISMATCH',
        location: { batch },
      },
    )
  }
  next.forEach((f, i) => {
    if (f.nullable) (schema[i] as Field).nullable = true
  })
  return schema
}
