import type { StreamingCache } from './cache.js'
import { StreamingDataset } from './dataset.js'
import { createInstruments, type DatasetStats, reportStats } from './instruments.js'
import { type LoaderOptions, type ResolvedLoaderOptions, resolveLoaderOptions } from './options.js'
import { type ReadContext, runPass } from './pass.js'
import type { RecordBatch, Row } from './record-batch.js'
import type { Field } from './schema.js'
import type { DataUnit, UnitPassSource } from './shard/units.js'
import type { StreamingStats } from './stats.js'

/**
 * The base of every loader. A subclass implements {@link StreamingDataLoader.readBatches}, yielding
 * its source's batches; the base adds read-ahead, statistics, the batch cache, cancellation and,
 * through {@link StreamingDataLoader.toDataset}, the whole {@link StreamingDataset} API.
 *
 * @example
 * ```ts
 * class RangeLoader extends StreamingDataLoader {
 *   constructor(private readonly n: number, options?: LoaderOptions) { super(options) }
 *   protected async *readBatches(ctx: ReadContext) {
 *     for (let start = 0; start < this.n; start += ctx.batchSize) {
 *       const end = Math.min(this.n, start + ctx.batchSize)
 *       yield RecordBatch.fromColumns({ id: Int32Array.from({ length: end - start }, (_, i) => start + i) })
 *     }
 *   }
 * }
 * const rows = await new RangeLoader(25, { batchSize: 10 }).toDataset().toArray()
 * ```
 */
export abstract class StreamingDataLoader<R extends Row = Row, TStats extends DatasetStats = DatasetStats> {
  /** The options with defaults applied. */
  readonly options: ResolvedLoaderOptions
  /** Counts and times of every pass (absent with `collectStats: false`). */
  readonly stats: StreamingStats | undefined
  /** The loader's cache (absent with `cacheEnabled: false`). */
  readonly cache: StreamingCache | undefined

  constructor(options: LoaderOptions = {}) {
    this.options = resolveLoaderOptions(options)
    const { stats, cache } = createInstruments(this.options, options)
    this.stats = stats
    this.cache = cache
  }

  /**
   * Yields the source's batches for one pass, ideally `ctx.batchSize` rows each. Close files in a
   * `finally`: it runs when the consumer stops early, fails, or `ctx.signal` aborts.
   */
  protected abstract readBatches(ctx: ReadContext): AsyncIterable<RecordBatch<R>> | Iterable<RecordBatch<R>>

  /**
   * The schema when the format knows it without reading data (a footer, a header), else
   * `undefined` and the dataset reads the first batch to learn it.
   */
  async getSchema(): Promise<Field[] | undefined> {
    return undefined
  }

  /**
   * A key naming this source's data for the batch cache (include what makes it change: path,
   * size, modification time, options). `undefined`, the default, caches no batches. Asked for at
   * the start of every pass; it may be async (a loader that reads a footer to know its data).
   */
  protected cacheKey(): string | undefined | Promise<string | undefined> {
    return undefined
  }

  /** True when {@link StreamingDataLoader.readBatches} honours `ctx.startBatch`. Default false. */
  protected get seekable(): boolean {
    return false
  }

  /** Name used in error messages; the class name by default. */
  protected get sourceName(): string {
    return this.constructor.name
  }

  /**
   * The loader's units (files, row groups, byte ranges), in the dataset's order, the same on every
   * machine. Implement it with {@link StreamingDataLoader.readUnit} to let datasets shard, shuffle
   * and resume exactly (see `UnitSource`).
   */
  listUnits?(signal?: AbortSignal): Promise<readonly DataUnit[]>

  /** The rows of one unit from row `offset` on (see `UnitSource`). */
  readUnit?(
    unit: DataUnit,
    offset: number,
    ctx: ReadContext,
  ): AsyncIterable<RecordBatch<R>> | Iterable<RecordBatch<R>>

  /** The exact rows of a unit whose count `listUnits` did not know (a scan); optional. */
  countRows?(unit: DataUnit, signal?: AbortSignal): Promise<number>

  /**
   * The loader as a unit source, with its own read-ahead, statistics and cancellation around
   * sharded passes, or `undefined` when it does not implement `listUnits` and `readUnit`.
   */
  unitSource(): UnitPassSource<R> | undefined {
    const { listUnits, readUnit, countRows } = this
    if (listUnits === undefined || readUnit === undefined) return undefined
    const source: UnitPassSource<R> = {
      batchSize: this.options.batchSize,
      listUnits: (signal) => listUnits.call(this, signal),
      readUnit: (unit, offset, ctx) => readUnit.call(this, unit, offset, ctx),
      pass: (read, signal) => ({
        [Symbol.asyncIterator]: () =>
          runPass<R>(
            {
              read,
              options: this.options,
              stats: this.stats,
              cache: this.cache,
              // a sharded pass depends on rank, epoch and checkpoint: its batches are not cached
              cacheKey: () => undefined,
              seekable: false,
              name: this.sourceName,
            },
            signal,
          ),
      }),
    }
    if (countRows !== undefined) source.countRows = (unit, signal) => countRows.call(this, unit, signal)
    return source
  }

  /** One pass over the source with read-ahead, stats and the cache. Each call starts a fresh pass. */
  iterBatches(options: { signal?: AbortSignal } = {}): AsyncIterable<RecordBatch<R>> {
    return {
      [Symbol.asyncIterator]: () =>
        runPass<R>(
          {
            read: (ctx) => this.readBatches(ctx),
            options: this.options,
            stats: this.stats,
            cache: this.cache,
            cacheKey: () => (this.options.cacheEnabled ? this.cacheKey() : undefined),
            seekable: this.seekable,
            name: this.sourceName,
          },
          options.signal,
        ),
    }
  }

  /**
   * `{ throughput, cache }` of this loader. A loader with its own counters declares them in
   * `TStats` and overrides this to add them (`{ ...super.getStats(), skippedRecords }`).
   */
  getStats(): TStats {
    return reportStats(this) as TStats
  }

  /** The dataset API over this loader. */
  toDataset(): StreamingDataset<R, TStats> {
    return StreamingDataset.fromLoader(this)
  }
}
