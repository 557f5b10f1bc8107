import {
  abortErrorFrom,
  type DataUnit,
  type Field,
  type ReadContext,
  type RecordBatch,
  type Row,
  resolveLoaderOptions,
  SdError,
  StreamingDataLoader,
  type UnitPassSource,
  ValidationError,
} from '@sd/core'
import { withTokenHint } from './hub-errors.js'
import { HubFiles } from './hub-files.js'
import { MemoryRows, type RowSource, rowSource } from './memory-rows.js'
import type { HubReadStats, HuggingFaceFileInfo, HuggingFaceMetadata, HuggingFaceStats } from './metadata.js'
import {
  type HubSettings,
  type HuggingFaceOptions,
  type ReadSettings,
  resolveHubSettings,
  resolveReadSettings,
} from './options.js'
import { parquetFooters, parquetSchema, readParquetFiles } from './parquet-files.js'
import { type ResolvedSplit, resolveSplit } from './resolve.js'
import type { SplitRead } from './split-read.js'
import { readTextFiles, textSchema } from './text-files.js'
import { SplitUnits } from './units.js'

/** What {@link loadHuggingFace} reads: a hub dataset name (`'org/name'`), or rows in memory. */
export type HuggingFaceSource = string | { rows: RowSource } | RowSource

/**
 * Batches read ahead of a hub split when `prefetchBatches` is not given: more than core's 2, since
 * every row group is a round trip to the hub (with @sd/parquet, 7 row groups are requested ahead of
 * the one being decoded, within `prefetchBytes`): a row group decodes in a few milliseconds, so
 * fewer requests in flight leave the decoder waiting on a hub 20 ms away.
 */
export const HUB_PREFETCH_BATCHES = 8

const NAME = /^[A-Za-z0-9][\w.-]*(?:\/[A-Za-z0-9][\w.-]*)?$/

/**
 * Streams a split of a Hugging Face hub dataset (or rows held in memory) in batches of exactly
 * `batchSize` rows, with the read-ahead, statistics, cache and cancellation of every sd loader.
 *
 * The split is resolved once per loader to the files of one commit (every pass reads that
 * commit, even if the branch moves); each file is handed, as a range reader over the hub's HTTP
 * range requests, to the format package that reads it: `@sd/parquet`, `@sd/csv` or `@sd/json`
 * (optional peers: install the ones your datasets need).
 *
 * @example
 * ```ts
 * const loader = new HuggingFaceStreamingLoader('stanfordnlp/imdb', { split: 'test', batchSize: 1000 })
 * console.log(await loader.getMetadata()) // { dataset, config: 'plain_text', split: 'test', revision: '…', numRows: 25000, … }
 * for await (const batch of loader.toDataset()) console.log(batch.numRows)
 * ```
 */
export class HuggingFaceStreamingLoader extends StreamingDataLoader<Row, HuggingFaceStats> {
  /** The dataset name, or `undefined` for rows in memory. */
  readonly dataset: string | undefined
  readonly #read: ReadSettings
  readonly #hub: HubSettings | undefined
  readonly #files: HubFiles | undefined
  readonly #rows: MemoryRows | undefined
  /** The read-ahead asked for, which the format package that reads the files applies. */
  readonly #prefetch: { batches: number; bytes: number | undefined }
  readonly #hubStats: HubReadStats = { filesRead: 0, bytesRead: 0 }
  #resolved: Promise<ResolvedSplit> | undefined
  /** The split's units (for shard, shuffle and resume), listed on first use. */
  #units: { split: ResolvedSplit; units: SplitUnits } | undefined

  constructor(source: HuggingFaceSource, options: HuggingFaceOptions = {}) {
    // a hub split is read ahead by the format package reading its files (row groups, byte
    // ranges and batches); a second queue of batches here would only hold more memory
    super(typeof source === 'string' ? { ...options, prefetchBatches: 0 } : options)
    const given = resolveLoaderOptions(options)
    this.#prefetch = {
      batches: options.prefetchBatches ?? HUB_PREFETCH_BATCHES,
      bytes: given.prefetchBytes,
    }
    this.#read = resolveReadSettings(options)
    if (typeof source === 'string') {
      if (!NAME.test(source)) {
        throw new ValidationError(
          `Expected a dataset name such as "org/name", got ${JSON.stringify(source)}`,
          { code: 'HF_INVALID_NAME' },
        )
      }
      this.dataset = source
      this.#hub = resolveHubSettings(options)
      this.#files = new HubFiles(this.#hub)
      return
    }
    const rows = rowSource(source)
    if (!rows) {
      throw new ValidationError(
        `Expected a dataset name such as "org/name", { rows: [...] } or an (async) iterable of rows; got ${describe(source)}`,
        { code: 'HF_NO_SOURCE' },
      )
    }
    this.dataset = undefined
    this.#rows = new MemoryRows(rows, this.#read)
  }

  /**
   * The split's files at the pinned commit (resolved on first use, then kept: later passes and
   * calls read the same commit).
   */
  resolve(): Promise<ResolvedSplit> {
    const hub = this.#hub
    if (!hub || this.dataset === undefined) {
      return Promise.reject(
        new SdError('Rows held in memory have no hub split to resolve', { code: 'HF_NOT_A_HUB_SOURCE' }),
      )
    }
    if (!this.#resolved) {
      const { config, split, revision } = this.#read
      const resolved = resolveSplit(
        hub,
        { dataset: this.dataset, config, split, revision },
        this.options.signal,
      )
      this.#resolved = resolved
      // a failure (a network error, a missing token) is not kept: the next call tries again
      resolved.catch(() => {
        if (this.#resolved === resolved) this.#resolved = undefined
      })
    }
    return this.#resolved
  }

  /**
   * Dataset, config, split, the commit read, the files, the row count and the schema. For
   * Parquet this reads every file's footer (through @sd/parquet, eight at a time).
   */
  async getMetadata(): Promise<HuggingFaceMetadata> {
    if (this.#rows !== undefined) {
      return {
        dataset: undefined,
        config: undefined,
        split: undefined,
        revision: undefined,
        requestedRevision: undefined,
        source: 'memory',
        format: 'rows',
        partial: false,
        files: [],
        numRows: this.#rows.matchingLength(),
        schema: undefined,
        configs: [],
        splits: [],
      }
    }
    const split = await this.resolve()
    const files: HuggingFaceFileInfo[] = split.files.map((f) => ({
      path: f.path,
      url: f.url,
      sizeBytes: f.size,
    }))
    let numRows: number | undefined
    let schema: Field[] | undefined
    if (split.format === 'parquet') {
      const footers = await this.#tokenHint(parquetFooters(this.#splitRead(split), this.options.signal))
      footers.numRows.forEach((n, i) => {
        ;(files[i] as HuggingFaceFileInfo).numRows = n
      })
      numRows = footers.numRows.reduce((a, b) => a + b, 0)
      schema = footers.schema
    }
    return {
      dataset: split.dataset,
      config: split.config,
      split: split.split,
      revision: split.revision,
      requestedRevision: split.requestedRevision,
      source: split.source,
      format: split.format,
      partial: split.partial,
      files,
      numRows,
      schema,
      configs: split.configs,
      splits: split.splits,
    }
  }

  /**
   * The columns batches have, from the first file: a Parquet footer, or the first batch of a CSV
   * or JSON Lines file. `undefined` for rows in memory (the first batch tells).
   */
  override async getSchema(): Promise<Field[] | undefined> {
    if (this.#rows !== undefined) return undefined
    const split = await this.resolve()
    const read = this.#splitRead(split)
    const signal = this.options.signal
    return this.#tokenHint(
      split.format === 'parquet' ? parquetSchema(read, signal) : textSchema(read, split.format, signal),
    )
  }

  /** Throughput and cache stats, plus `hub`: the files and bytes read from the hub, over all passes. */
  override getStats(): HuggingFaceStats {
    return { ...super.getStats(), hub: { ...this.#hubStats } }
  }

  /**
   * The units `shard()`, `shuffle()` and `resume()` split a hub dataset into: the row groups of
   * its Parquet files, the line-aligned byte ranges of its CSV and JSON Lines files (a gzip or
   * plain text file is one unit), named by path in the repository. Rows held in memory have none
   * (they are sharded by batch).
   */
  override unitSource(): UnitPassSource<Row> | undefined {
    return this.#rows === undefined ? super.unitSource() : undefined
  }

  /** The split's units, in file order (every file's footer or size is read once). */
  override async listUnits(signal?: AbortSignal): Promise<DataUnit[]> {
    return this.#tokenHint((await this.#splitUnits(signal)).listUnits(signal))
  }

  /** The rows of one unit from row `offset` on. */
  override async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext): AsyncGenerator<RecordBatch> {
    const units = await this.#splitUnits(ctx.signal)
    try {
      yield* units.readUnit(unit, offset, ctx)
    } catch (err) {
      throw withTokenHint(err, this.dataset as string)
    }
  }

  /** The exact rows of a unit whose count its listing did not know. */
  override async countRows(unit: DataUnit, signal?: AbortSignal): Promise<number> {
    return (await this.#splitUnits(signal)).countRows(unit, signal)
  }

  async #splitUnits(signal: AbortSignal | undefined): Promise<SplitUnits> {
    const split = await abortable(this.resolve(), signal ?? new AbortController().signal)
    if (this.#units?.split !== split) {
      this.#units = { split, units: new SplitUnits(this.#splitRead(split), split, this.options.batchSize) }
    }
    return this.#units.units
  }

  protected override get sourceName(): string {
    return this.dataset === undefined ? 'HuggingFace rows' : `HuggingFace dataset "${this.dataset}"`
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch> {
    if (this.#rows !== undefined) {
      yield* this.#rows.batches(ctx)
      return
    }
    const split = await abortable(this.resolve(), ctx.signal)
    const read = this.#splitRead(split)
    try {
      if (split.format === 'parquet') yield* readParquetFiles(read, ctx)
      else yield* readTextFiles(read, split.format, ctx)
    } catch (err) {
      throw withTokenHint(err, split.dataset)
    }
  }

  #splitRead(split: ResolvedSplit): SplitRead {
    const stats = this.#hubStats
    return {
      dataset: split.dataset,
      files: split.files,
      hubFiles: this.#files as HubFiles,
      read: this.#read,
      cache: this.cache,
      prefetchBatches: this.#prefetch.batches,
      prefetchBytes: this.#prefetch.bytes,
      countBytes: (bytes) => {
        stats.bytesRead += bytes
      },
      countFile: () => {
        stats.filesRead++
      },
    }
  }

  async #tokenHint<T>(promise: Promise<T>): Promise<T> {
    try {
      return await promise
    } catch (err) {
      throw withTokenHint(err, this.dataset as string)
    }
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'object') return `an object with keys [${Object.keys(value).slice(0, 5).join(', ')}]`
  return typeof value
}

/** `promise`, or an `AbortError` as soon as `signal` aborts (the promise itself keeps running). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortErrorFrom(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortErrorFrom(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}
