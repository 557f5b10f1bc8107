import {
  type DatasetStats,
  type DataUnit,
  type Field,
  type ReadContext,
  RecordBatch,
  type Row,
  StateError,
  StreamingDataLoader,
  ValidationError,
} from '@sd/core'
import { rowGroupSpan } from './footer.js'
import { type Opened, openSource } from './open.js'
import {
  type ParquetLoaderOptions,
  type ParquetMetadata,
  type ParquetScanStats,
  type ParquetSource,
  type ResolvedParquetOptions,
  resolveParquetOptions,
} from './options.js'
import type { ReaderOptions } from './parts.js'
import { scanBatches } from './scan.js'
import type { ScanSpec } from './scan-here.js'
import { checkSource } from './sources.js'
import { listUnits, readUnitRows, type UnitJobs } from './units.js'

/** {@link ParquetStreamingLoader.getStats}: the shared stats plus the Parquet counters. */
export interface ParquetDatasetStats extends DatasetStats {
  parquet: ParquetScanStats
}

/** Default cap of compressed bytes read ahead, when `prefetchBytes` is not set. */
const READ_AHEAD_BYTES = 64 * 1024 * 1024

/**
 * Streams Parquet files, directories and URLs as {@link RecordBatch}es of exactly `batchSize`
 * rows (the last may be shorter), one row group or row range at a time, with projection,
 * statistics pruning and exact row filtering.
 *
 * Footers are read by {@link ParquetStreamingLoader.open} (or the first pass, `getSchema()` or
 * `getMetadata()`); `length` needs `open()` first. Errors the footer can reveal (a missing or
 * truncated file, an unknown column, an unsupported codec) surface there; a corrupt page fails
 * the batch that reads it.
 *
 * @example
 * ```ts
 * const loader = await ParquetStreamingLoader.open('data/', { columns: ['id', 'value'], filters: { value: { $gt: 10 } } })
 * console.log(loader.length, loader.schema)
 * for await (const batch of loader.toDataset()) console.log(batch.numRows)
 * console.log(loader.getStats().parquet.rowGroupsSkipped)
 * ```
 */
export class ParquetStreamingLoader<R extends Row = Row> extends StreamingDataLoader<R, ParquetDatasetStats> {
  /** The source as given. */
  readonly source: ParquetSource
  readonly #parquet: ResolvedParquetOptions
  readonly #scan: ParquetScanStats = {
    rowGroupsRead: 0,
    rowGroupsInWorkers: 0,
    rowGroupsSkipped: 0,
    bytesRead: 0,
    bytesSkipped: 0,
    pagesSkipped: 0,
    rowsDecoded: 0,
    rowsFiltered: 0,
  }
  #opened: Opened | undefined
  #opening: Promise<Opened> | undefined
  /** Row groups by unit id, from the last `listUnits`. */
  #units: UnitJobs | undefined

  constructor(source: ParquetSource, options: ParquetLoaderOptions = {}) {
    super(options)
    checkSource(source)
    this.source = source
    this.#parquet = resolveParquetOptions(options)
  }

  /** A loader whose footers are read: `length`, `schema` and `getMetadata()` answer at once. */
  static async open<R extends Row = Row>(
    source: ParquetSource,
    options: ParquetLoaderOptions = {},
  ): Promise<ParquetStreamingLoader<R>> {
    const loader = new ParquetStreamingLoader<R>(source, options)
    await loader.open()
    return loader
  }

  /**
   * Lists the files and reads their footers (once; later calls return at once). Rejects with the
   * `SdError` of the first problem the footers reveal.
   */
  async open(signal?: AbortSignal): Promise<this> {
    if (!this.#opened) {
      this.#opening ??= this.#open(signal ?? this.options.signal).catch((err: unknown) => {
        this.#opening = undefined
        throw err
      })
      this.#opened = await this.#opening
    }
    return this
  }

  /** True once {@link ParquetStreamingLoader.open} succeeded. */
  get isOpen(): boolean {
    return this.#opened !== undefined
  }

  /** Rows in all files, from the footers (before `filters`). Requires {@link ParquetStreamingLoader.open}. */
  get length(): number {
    return this.#require('length').numRows
  }

  /** The batch schema. Requires {@link ParquetStreamingLoader.open}. */
  get schema(): Field[] {
    return this.#require('schema').schema
  }

  /** The batch schema, from the footers (opens the source if needed). */
  override async getSchema(): Promise<Field[]> {
    await this.open()
    return this.#require('getSchema').schema
  }

  /** Sizes, row counts, schema and writer of the source, from the footers (opens it if needed). */
  async getMetadata(): Promise<ParquetMetadata> {
    await this.open()
    const o = this.#require('getMetadata')
    return {
      path: o.label,
      isDirectory: o.isDirectory,
      numRows: o.numRows,
      numRowGroups: o.numRowGroups,
      schema: o.schema.map((f) => ({ ...f })),
      createdBy: o.parts[0]?.metadata.created_by,
      fileSizeBytes: o.fileSizeBytes,
      files: o.parts.map((p, i) => ({
        path: p.entry.name,
        numRows: Number(p.metadata.num_rows),
        numRowGroups: p.metadata.row_groups.length,
        fileSizeBytes: p.byteLength,
        createdBy: p.metadata.created_by,
        partition: Object.fromEntries(o.partitions.map((c) => [c.field.name, c.values[i]])),
        rowGroups: p.metadata.row_groups.map(rowGroupSpan),
      })),
    }
  }

  /** Throughput and cache stats, plus `parquet`: row groups and bytes read and skipped, over all passes. */
  override getStats(): ParquetDatasetStats {
    return { ...super.getStats(), parquet: { ...this.#scan } }
  }

  /**
   * Decoded batches are cached for repeat passes (the footers tell the key), when the whole pass is
   * estimated to fit in the cache; larger sources are not cached (they would only churn it).
   */
  protected override async cacheKey(): Promise<string | undefined> {
    const cache = this.cache
    if (!cache) return undefined
    const o = (await this.open()).#opened
    if (!o || o.decodedBytes > cache.maxSizeBytes) return undefined
    const p = this.#parquet
    return JSON.stringify(
      [
        'sd-parquet',
        o.parts.map((part) => [part.entry.name, part.version]),
        p.columns ?? null,
        p.filters ?? null,
        p.filterStrict,
        p.rowFormat,
        p.rowGroups ? [...p.rowGroups] : null,
        this.options.batchSize,
      ],
      (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value),
    )
  }

  protected override get sourceName(): string {
    return `ParquetStreamingLoader(${this.#opened?.label ?? String(this.source)})`
  }

  protected readBatches(ctx: ReadContext): AsyncIterable<RecordBatch<R>> {
    return this.#read(ctx)
  }

  async *#read(ctx: ReadContext): AsyncGenerator<RecordBatch<R>> {
    const spec = await this.#spec(ctx)
    const batches = scanBatches<R>(spec)
    if (this.#parquet.rowFormat !== 'object') {
      yield* batches
      return
    }
    for await (const batch of batches) yield RecordBatch.fromRows<R>(batch.rows(), batch.schema)
  }

  /**
   * The row groups of every file, in read order, as the units a sharded dataset splits (row groups
   * that `rowGroups` leaves out or the statistics rule out under `filters` are not units). Rows come
   * from the footers (unknown under `filters`, which keep only some rows). Unit ids name files
   * relative to the directory or prefix, so a checkpoint taken over local files resumes over the
   * same files in S3.
   */
  override async listUnits(signal?: AbortSignal): Promise<DataUnit[]> {
    const o = (await this.open(signal)).#opened as Opened
    const { units, jobs } = listUnits(o, this.#parquet)
    this.#units = jobs
    return units
  }

  /** The rows of one row group from row `offset` on (after `filters`). */
  override async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext): AsyncGenerator<RecordBatch<R>> {
    const spec = await this.#spec(ctx)
    if (!this.#units?.has(unit.id)) await this.listUnits(ctx.signal)
    const found = this.#units?.get(unit.id)
    if (found === undefined) {
      throw new ValidationError(
        `Expected row group "${unit.id}" in ${spec.o.label}; it has none of that name`,
        {
          code: 'STATE_MISMATCH',
        },
      )
    }
    const objects = this.#parquet.rowFormat === 'object'
    for await (const batch of readUnitRows<R>(spec, found, offset)) {
      yield objects ? RecordBatch.fromRows<R>(batch.rows(), batch.schema) : batch
    }
  }

  async #spec(ctx: ReadContext): Promise<ScanSpec> {
    const o = (await this.open(ctx.signal)).#opened as Opened
    const { prefetchBatches, prefetchBytes } = this.options
    return {
      o,
      parquet: this.#parquet,
      reader: this.#readerOptions(),
      batchSize: ctx.batchSize,
      depth: prefetchBatches >= 2 ? prefetchBatches - 1 : 0,
      budget: prefetchBytes ?? READ_AHEAD_BYTES,
      workers: this.#parquet.workers,
      autoWorkers: this.#parquet.autoWorkers,
      stats: this.#scan,
      ctx,
    }
  }

  #readerOptions(): ReaderOptions {
    return { cache: this.cache, http: this.#parquet.http, int64: this.#parquet.int64, s3: this.#parquet.s3 }
  }

  #require(what: string): Opened {
    if (!this.#opened) {
      throw new StateError(
        `${what} needs the footers: await loader.open() (or ParquetStreamingLoader.open()) first`,
        {
          code: 'PARQUET_NOT_OPEN',
        },
      )
    }
    return this.#opened
  }

  #open(signal: AbortSignal | undefined): Promise<Opened> {
    return openSource(this.source, this.#parquet, this.#readerOptions(), signal, (bytes) => {
      this.#scan.bytesRead += bytes
    })
  }
}
