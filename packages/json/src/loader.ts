import {
  type ByteSource,
  countUnitRows,
  type DataUnit,
  isByteStream,
  type ReadContext,
  type RecordBatch,
  type RecordStats,
  type ResolvedRemoteOptions,
  resolveRemoteOptions,
  skipRows,
  sourceVersion,
  TextStreamingLoader,
  ValidationError,
} from '@sd/core'
import { ArrayReader } from './array-reader.js'
import { ColumnBuilder, MAX_BATCH_BYTES } from './column-builder.js'
import type { ColumnPlan } from './infer-schema.js'
import { NdjsonReader } from './ndjson-reader.js'
import { type JsonOptions, type ResolvedJsonOptions, resolveJsonOptions } from './options.js'
import { type NdjsonPoolLease, parallelNdjson, RANGE_BYTES, startNdjsonWorkers } from './parallel.js'
import type { RecordReader } from './record-reader.js'
import { decideFormat, firstSignificantByte } from './sniff.js'
import { filePlans, isRangeUnit, jsonUnits, readRangeUnit } from './units.js'

/** Decoded batch bytes per source byte: the columns take about as many bytes as the JSON text. */
const DECODED_PER_BYTE = 1

/** {@link JsonStreamingLoader.getStats}: the shared stats plus the record counters. */
export type JsonStats = RecordStats

/**
 * Streams the records of an NDJSON file or of an array in a JSON document as columnar
 * {@link RecordBatch}es (see {@link JsonOptions}). The file is read a chunk at a time, so
 * memory follows the batch size and read-ahead, not the file size.
 *
 * @example
 * ```ts
 * const loader = new JsonStreamingLoader('events.ndjson', { batchSize: 1000, onBadRecord: 'skip' })
 * for await (const batch of loader.toDataset()) console.log(batch.numRows, batch.column('id'))
 * console.log(loader.skippedRecords)
 * ```
 */
export class JsonStreamingLoader extends TextStreamingLoader<JsonStats> {
  /** The JSON options with defaults applied. */
  readonly jsonOptions: ResolvedJsonOptions
  /** The columns a whole pass decides, by source version (what range units are typed by). */
  #plans: { version: string; plans: ColumnPlan[] } | undefined
  /** How URL and `s3://` sources are reached. */
  readonly #remote: ResolvedRemoteOptions

  constructor(source: ByteSource, options: JsonOptions = {}) {
    super(source, options)
    this.jsonOptions = resolveJsonOptions(options)
    this.#remote = resolveRemoteOptions(options)
    if (this.jsonOptions.format === 'ndjson' && this.jsonOptions.path !== undefined) {
      throw new ValidationError(
        `path ("${this.jsonOptions.path}") only applies to array documents, not to format 'ndjson'`,
        {
          code: 'INVALID_OPTION',
        },
      )
    }
  }

  /**
   * Batches are cached per file version (path, size, modification time) and options, when they are
   * expected to fit in the cache: a larger file would fill the cache only for the pass to drop it.
   */
  protected override cacheKey(): string | undefined {
    const { onSkip: _, workers: __, ...options } = this.jsonOptions
    return this.textCacheKey('json', DECODED_PER_BYTE, [this.options.batchSize, options])
  }

  /**
   * The units a sharded dataset splits: line-aligned byte ranges of `unitBytes` for a plain NDJSON
   * file (or URL, or range reader), the whole source otherwise (gzip, a byte stream, an array).
   */
  override async listUnits(signal?: AbortSignal): Promise<DataUnit[]> {
    if (isByteStream(this.source)) return [{ id: 'whole' }]
    const text = await this.#openRanges(signal)
    try {
      return await jsonUnits(text, this.jsonOptions, signal)
    } finally {
      await text.close()
    }
  }

  /** The records of one unit from record `offset` on, typed as a whole pass types them. */
  override async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext): AsyncGenerator<RecordBatch> {
    if (!isRangeUnit(unit)) {
      yield* skipRows(this.readBatches(ctx), offset)
      return
    }
    const text = await this.#openRanges(ctx.signal)
    try {
      const reader = text.reader
      if (reader === undefined)
        throw new ValidationError('A byte-range unit needs a plain file read by range', {
          code: 'STATE_MISMATCH',
          location: text.location,
        })
      const ranged = { ...text, reader }
      const version = sourceVersion(this.source)?.key
      let plans = version !== undefined && this.#plans?.version === version ? this.#plans.plans : undefined
      if (plans === undefined) {
        plans = await filePlans(ranged, this.jsonOptions, ctx.batchSize, ctx.signal)
        if (version !== undefined) this.#plans = { version, plans }
      }
      yield* readRangeUnit(unit, offset, ctx, {
        text: ranged,
        options: this.jsonOptions,
        counters: this.counters,
        plans,
      })
    } finally {
      await text.close()
    }
  }

  /** The exact records of a unit (a decoding pass over it), for `equalize`. */
  override countRows(unit: DataUnit, signal?: AbortSignal): Promise<number> {
    return countUnitRows((u, o, ctx) => this.readUnit(u, o, ctx), unit, this.options.batchSize, signal)
  }

  #openRanges(signal: AbortSignal | undefined) {
    return this.openText({
      signal,
      compression: this.jsonOptions.compression,
      chunkBytes: this.jsonOptions.chunkBytes,
      http: this.#remote.http,
      s3: this.#remote.s3,
    })
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch> {
    const options = this.jsonOptions
    const text = await this.openText({
      signal: ctx.signal,
      compression: options.compression,
      chunkBytes: options.chunkBytes,
      onBytes: (bytes) => ctx.countBytes(bytes),
      http: this.#remote.http,
      s3: this.#remote.s3,
    })
    const chunks = text.chunks[Symbol.asyncIterator]()
    const next = async () => {
      const r = await chunks.next()
      return r.done ? undefined : asBuffer(r.value)
    }
    let started: NdjsonPoolLease | undefined
    try {
      const head: Buffer[] = []
      let first = -1
      while (first === -1) {
        const chunk = await next()
        if (chunk === undefined) {
          first = firstSignificantByte(head, true)
          break
        }
        head.push(chunk)
        first = firstSignificantByte(head)
      }
      // an empty (or all-whitespace) file has no records and no columns
      if (first === -1) return
      const format = decideFormat(options.format, options.path, first)
      const reader: RecordReader =
        format === 'ndjson'
          ? new NdjsonReader({
              at: text.location,
              onBadRecord: options.onBadRecord,
              maxRecordBytes: options.maxRecordBytes,
              counters: this.counters,
            })
          : new ArrayReader({
              at: text.location,
              path: options.path,
              onBadRecord: options.onBadRecord,
              counters: this.counters,
            })
      const builder = new ColumnBuilder({
        batchSize: ctx.batchSize,
        maxBatchBytes: MAX_BATCH_BYTES,
        columns: options.columns,
        columnTypes: options.columnTypes,
        int64: options.int64,
        onBadValue: options.onBadValue,
        onSkip: options.onSkip,
        counters: this.counters,
        locate: (line) => reader.locate(line),
      })
      const nd = reader instanceof NdjsonReader ? reader : undefined
      const ranged = text.reader
      const parallel =
        options.workers > 0 &&
        nd !== undefined &&
        ranged !== undefined &&
        ranged.byteLength >= 2 * RANGE_BYTES
      let handOff = false
      // the workers start while this thread reads the first batch
      if (parallel) started = startNdjsonWorkers(options.workers)
      try {
        reading: for (;;) {
          const chunk = head.shift() ?? (await next())
          if (chunk === undefined) break
          reader.push(chunk)
          while (reader.fill(builder)) {
            yield builder.take() as RecordBatch
            // the first batch decided the columns: workers parse the rest
            if (parallel && builder.plans !== undefined) {
              handOff = true
              break reading
            }
          }
          if (reader.done) break
        }
        if (!handOff && !reader.done) {
          reader.end()
          while (reader.fill(builder)) yield builder.take() as RecordBatch
        }
      } catch (err) {
        // the rows read before the error come out first
        if (builder.plans !== undefined) {
          const partial = builder.take()
          if (partial) yield partial
        }
        throw err
      }
      if (handOff && nd && ranged && builder.plans) {
        const lease = started
        started = undefined
        yield* parallelNdjson({
          started: lease,
          reader: ranged,
          at: text.location,
          options,
          plans: [...builder.plans],
          from: { byte: nd.position, line: nd.line, row: 0 },
          batchSize: ctx.batchSize,
          maxBatchBytes: MAX_BATCH_BYTES,
          counters: this.counters,
          signal: ctx.signal,
          onBytes: (n) => ctx.countBytes(n),
        })
        return
      }
      const last = builder.take()
      if (last) yield last
    } finally {
      // workers started for a parallel pass that did not happen (the file ended, an error, a break)
      await started?.release('stopped')
      await chunks.return?.(undefined)
      await text.close()
    }
  }
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}
