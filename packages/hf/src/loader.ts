import {
  abortErrorFrom,
  type Field,
  type ReadContext,
  type RecordBatch,
  type Row,
  SdError,
  StreamingDataLoader,
  ValidationError,
} from '@sd/core'
import { matchFilter } from 'hyparquet/src/filter.js'
import { HubFiles } from './hub-files.js'
import {
  type HubSettings,
  type HuggingFaceOptions,
  type ReadSettings,
  resolveHubSettings,
  resolveReadSettings,
} from './options.js'
import { parquetFields } from './parquet-schema.js'
import { readParquet } from './parquet-source.js'
import { type ResolvedSplit, resolveSplit, type SplitSource } from './resolve.js'
import { RowBatcher } from './row-batcher.js'
import { readText } from './text-source.js'

/** Rows held by the caller: an array, any iterable, or an async iterable of row objects. */
export type RowSource = Iterable<Row> | AsyncIterable<Row>

/** What {@link loadHuggingFace} reads: a hub dataset name (`'org/name'`), or rows in memory. */
export type HuggingFaceSource = string | { rows: RowSource } | RowSource

/** One file of the split, as {@link HuggingFaceStreamingLoader.getMetadata} reports it. */
export interface HuggingFaceFileInfo {
  path: string
  /** The URL the bytes are read from (at the pinned commit). */
  url: string
  sizeBytes: number
  /** Rows in the file (Parquet only: from its footer). */
  numRows?: number
}

/** What {@link HuggingFaceStreamingLoader.getMetadata} says about the source. */
export interface HuggingFaceMetadata {
  /** The dataset name (`undefined` for rows in memory). */
  dataset: string | undefined
  config: string | undefined
  split: string | undefined
  /** The commit sha every file is read at. */
  revision: string | undefined
  /** The revision asked for (`undefined`: the default branch). */
  requestedRevision: string | undefined
  /** The repository's own files, the hub's Parquet conversion, or rows in memory. */
  source: SplitSource | 'memory'
  format: 'parquet' | 'jsonl' | 'csv' | 'tsv' | 'txt' | 'rows'
  /** True when the hub's conversion holds only the split's first rows. */
  partial: boolean
  files: HuggingFaceFileInfo[]
  /** Rows in the split before filters (Parquet footers; an array's length), else `undefined`. */
  numRows: number | undefined
  /** The columns read (Parquet: from the first footer; otherwise `undefined`). */
  schema: Field[] | undefined
  /** The configs that exist, and the splits of the chosen one. */
  configs: string[]
  splits: string[]
}

const NAME = /^[A-Za-z0-9][\w.-]*(?:\/[A-Za-z0-9][\w.-]*)?$/
const FOOTER_CONCURRENCY = 4

/**
 * Streams a split of a Hugging Face hub dataset (or rows held in memory) in batches of exactly
 * `batchSize` rows, with the read-ahead, statistics, cache and cancellation of every sd loader.
 *
 * The split is resolved once per loader to the files of one commit (every pass reads that
 * commit, even if the branch moves); Parquet files are read row group by row group over HTTP
 * range requests, with only the selected columns' bytes and without row groups the filter's
 * statistics rule out.
 *
 * @example
 * ```ts
 * const loader = new HuggingFaceStreamingLoader('stanfordnlp/imdb', { split: 'test', batchSize: 1000 })
 * console.log(await loader.getMetadata()) // { dataset, config: 'plain_text', split: 'test', revision: '…', numRows: 25000, … }
 * for await (const batch of loader.toDataset()) console.log(batch.numRows)
 * ```
 */
export class HuggingFaceStreamingLoader extends StreamingDataLoader {
  /** The dataset name, or `undefined` for rows in memory. */
  readonly dataset: string | undefined
  readonly #read: ReadSettings
  readonly #hub: HubSettings | undefined
  readonly #files: HubFiles | undefined
  readonly #rows: RowSource | undefined
  #rowsUsed = false
  #resolved: Promise<ResolvedSplit> | undefined

  constructor(source: HuggingFaceSource, options: HuggingFaceOptions = {}) {
    super(options)
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
    this.#rows = rows
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
   * Parquet this reads every file's footer (once per loader; four at a time).
   */
  async getMetadata(): Promise<HuggingFaceMetadata> {
    if (this.#rows !== undefined) {
      const rows = Array.isArray(this.#rows) ? (this.#rows as Row[]) : undefined
      const filters = this.#read.filters
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
        numRows: rows && (filters ? rows.filter((r) => matchFilter(r, filters)).length : rows.length),
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
      const footers = await this.#footers(split)
      numRows = 0
      footers.forEach((footer, i) => {
        const n = Number(footer.num_rows)
        ;(files[i] as HuggingFaceFileInfo).numRows = n
        numRows = (numRows as number) + n
      })
      schema = footers[0] ? this.#project(parquetFields(footers[0])) : []
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

  /** The schema from the first Parquet footer (one request); `undefined` for text files and rows. */
  override async getSchema(): Promise<Field[] | undefined> {
    if (this.#rows !== undefined) return undefined
    const split = await this.resolve()
    const first = split.files[0]
    if (split.format !== 'parquet' || !first || !this.#files) return undefined
    return this.#project(parquetFields(await this.#files.footerOf(first, this.cache, this.options.signal)))
  }

  protected override get sourceName(): string {
    return this.dataset === undefined ? 'HuggingFace rows' : `HuggingFace dataset "${this.dataset}"`
  }

  protected async *readBatches(ctx: ReadContext): AsyncGenerator<RecordBatch> {
    if (this.#rows !== undefined) {
      yield* this.#readRows(this.#rows, ctx)
      return
    }
    const split = await abortable(this.resolve(), ctx.signal)
    const files = this.#files as HubFiles
    const { columns, filters, readAhead, readAheadBytes, textChunkBytes } = this.#read
    const plan = {
      dataset: split.dataset,
      files: split.files,
      hubFiles: files,
      columns,
      filters,
      readAhead,
      readAheadBytes,
    }
    if (split.format === 'parquet') yield* readParquet(plan, ctx)
    else yield* readText({ ...plan, format: split.format, chunkBytes: textChunkBytes }, ctx)
  }

  async *#readRows(rows: RowSource, ctx: ReadContext): AsyncGenerator<RecordBatch> {
    if (this.#rowsUsed && isOneShot(rows)) {
      throw new SdError(
        'These rows come from a one-shot iterator that a previous pass consumed; pass an array or a re-iterable source to read them again',
        { code: 'SOURCE_CONSUMED' },
      )
    }
    this.#rowsUsed = true
    const batcher = new RowBatcher(ctx.batchSize, this.#read.columns, this.#read.filters)
    for await (const row of rows) {
      if (ctx.signal.aborted) throw abortErrorFrom(ctx.signal)
      const batch = batcher.push(row)
      if (batch) yield batch
    }
    const rest = batcher.flush()
    if (rest) yield rest
  }

  async #footers(split: ResolvedSplit) {
    const files = this.#files as HubFiles
    const out: Awaited<ReturnType<HubFiles['footerOf']>>[] = new Array(split.files.length)
    let next = 0
    const worker = async () => {
      while (next < split.files.length) {
        const i = next++
        out[i] = await files.footerOf(
          split.files[i] as (typeof split.files)[number],
          this.cache,
          this.options.signal,
        )
      }
    }
    await Promise.all(Array.from({ length: Math.min(FOOTER_CONCURRENCY, split.files.length) }, worker))
    return out
  }

  #project(fields: Field[]): Field[] {
    const columns = this.#read.columns
    if (!columns) return fields
    return columns.map((c) => fields.find((f) => f.name === c)).filter((f): f is Field => f !== undefined)
  }
}

function rowSource(source: unknown): RowSource | undefined {
  if (source === null || typeof source !== 'object') return undefined
  if ('rows' in source) {
    const rows = (source as { rows: unknown }).rows
    return isIterable(rows) && typeof rows !== 'string' ? (rows as RowSource) : undefined
  }
  return isIterable(source) ? (source as RowSource) : undefined
}

function isIterable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    (Symbol.iterator in (value as object) || Symbol.asyncIterator in (value as object))
  )
}

/** An iterator (a generator) can be read once; an array or an iterable object makes a fresh one each time. */
function isOneShot(rows: RowSource): boolean {
  return typeof (rows as { next?: unknown }).next === 'function'
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
