import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  type DatasetStats,
  type ReadContext,
  type RecordBatch,
  type Row,
  StreamingDataLoader,
  ValidationError,
} from '@sd/core'
import { ArrayReader } from './array-reader.js'
import { ColumnBuilder, type JsonCounters } from './column-builder.js'
import { NdjsonReader } from './ndjson-reader.js'
import { type JsonLoadOptions, type ResolvedJsonOptions, resolveJsonOptions } from './options.js'
import { readChunks } from './read-chunks.js'
import type { RecordReader } from './record-reader.js'
import { decideFormat, firstSignificantByte } from './sniff.js'

const GZIP_RATIO = 4

/** {@link JsonStreamingLoader.getStats}: the shared stats plus the loader's counts of bad data. */
export interface JsonDatasetStats extends DatasetStats {
  /** Records dropped by `onBadRecord: 'skip'`, over every pass that read the file. */
  skippedRecords: number
  /** Values stored as null by `onTypeMismatch: 'null'`, over every pass that read the file. */
  typeMismatches: number
}

/**
 * Streams the records of an NDJSON file or of an array in a JSON document as columnar
 * {@link RecordBatch}es (see {@link JsonLoadOptions}). The file is read a chunk at a time, so
 * memory follows the batch size and read-ahead, not the file size.
 *
 * @example
 * ```ts
 * const loader = new JsonStreamingLoader('events.ndjson', { batchSize: 1000, onBadRecord: 'skip' })
 * for await (const batch of loader.toDataset()) console.log(batch.numRows, batch.column('id'))
 * console.log(loader.skippedRecords)
 * ```
 */
export class JsonStreamingLoader extends StreamingDataLoader<Row, JsonDatasetStats> {
  /** The file read. */
  readonly path: string
  /** The JSON options with defaults applied. */
  readonly jsonOptions: ResolvedJsonOptions
  readonly #counters: JsonCounters = { skippedRecords: 0, typeMismatches: 0 }

  constructor(path: string, options: JsonLoadOptions = {}) {
    super(options)
    if (typeof path !== 'string' || path === '') {
      throw new ValidationError(`Expected a file path, got ${JSON.stringify(path)}`, {
        code: 'INVALID_OPTION',
      })
    }
    this.path = path
    this.jsonOptions = resolveJsonOptions(options)
    if (this.jsonOptions.format === 'ndjson' && this.jsonOptions.path !== undefined) {
      throw new ValidationError(
        `path ("${this.jsonOptions.path}") only applies to array documents, not to format 'ndjson'`,
        {
          code: 'INVALID_OPTION',
        },
      )
    }
  }

  /** Records dropped by `onBadRecord: 'skip'` so far (every pass that read the file counts). */
  get skippedRecords(): number {
    return this.#counters.skippedRecords
  }

  /** Values stored as null by `onTypeMismatch: 'null'` so far. */
  get typeMismatches(): number {
    return this.#counters.typeMismatches
  }

  /** `{ throughput, cache }` plus `skippedRecords` and `typeMismatches`. */
  override getStats(): JsonDatasetStats {
    return { ...super.getStats(), ...this.#counters }
  }

  protected override get sourceName(): string {
    return `JsonStreamingLoader(${this.path})`
  }

  /**
   * Batches are cached per file version (path, size, modification time) and options, when the
   * file's text fits in the cache: a larger file would fill the cache only for the pass to be
   * dropped from it once it outgrows it, so it is streamed without caching.
   */
  protected override cacheKey(): string | undefined {
    let size: number
    let mtime: number
    try {
      const stat = statSync(this.path)
      size = stat.size
      mtime = stat.mtimeMs
    } catch {
      // a missing file: the read reports it
      return undefined
    }
    const { compression } = this.jsonOptions
    const gzip = compression === 'gzip' || (compression === 'auto' && /\.gz$/i.test(this.path))
    // decoded batches take about as many bytes as the JSON text; gzip text is often 4x its file
    const textBytes = gzip ? size * GZIP_RATIO : size
    if (this.cache && textBytes > this.cache.maxSizeBytes) return undefined
    return `sd-json:${resolve(this.path)}:${size}:${mtime}:${this.options.batchSize}:${JSON.stringify(this.jsonOptions)}`
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch> {
    const options = this.jsonOptions
    const chunks = readChunks(this.path, {
      signal: ctx.signal,
      compression: options.compression,
      chunkBytes: options.readBufferBytes,
      onBytes: (bytes) => ctx.countBytes(bytes),
    })
    try {
      const head: Buffer[] = []
      let first = -1
      while (first === -1) {
        const next = await chunks.next()
        if (next.done) break
        head.push(next.value)
        first = firstSignificantByte(head)
      }
      // an empty (or all-whitespace) file has no records and no columns
      if (first === -1) return
      const format = decideFormat(options.format, options.path, first)
      const reader: RecordReader =
        format === 'ndjson'
          ? new NdjsonReader({
              file: this.path,
              onBadRecord: options.onBadRecord,
              maxRecordBytes: options.maxRecordBytes,
              counters: this.#counters,
            })
          : new ArrayReader({
              file: this.path,
              path: options.path,
              onBadRecord: options.onBadRecord,
              counters: this.#counters,
            })
      const builder = new ColumnBuilder({
        batchSize: ctx.batchSize,
        columns: options.columns,
        columnTypes: options.columnTypes,
        onTypeMismatch: options.onTypeMismatch,
        counters: this.#counters,
        locate: (line) => reader.locate(line),
      })
      for (;;) {
        let chunk = head.shift()
        if (chunk === undefined) {
          const next = await chunks.next()
          if (next.done) break
          chunk = next.value
        }
        reader.push(chunk)
        while (reader.fill(builder)) yield builder.take() as RecordBatch
        if (reader.done) break
      }
      if (!reader.done) {
        reader.end()
        while (reader.fill(builder)) yield builder.take() as RecordBatch
      }
      const last = builder.take()
      if (last) yield last
    } finally {
      await chunks.return(undefined)
    }
  }
}
