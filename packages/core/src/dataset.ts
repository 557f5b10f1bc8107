import { SdError, ValidationError } from './errors.js'
import { createInstruments, type DatasetStats, reportStats } from './instruments.js'
import { type LoaderOptions, resolveLoaderOptions } from './options.js'
import { type ReadBatches, runPass } from './pass.js'
import { assertBatchSize, rebatchStream } from './rebatch.js'
import { RecordBatch, type Row } from './record-batch.js'
import type { Field } from './schema.js'
import {
  NO_PLAN,
  openPlanned,
  PlanControl,
  type PlanSpec,
  type ShardOptions,
  type ShuffleOptions,
  withShard,
  withShuffle,
} from './shard/planned.js'
import { arrayUnitSource, sequentialUnitSource } from './shard/sources.js'
import type { DatasetState } from './shard/state.js'
import type { UnitPassSource } from './shard/units.js'
import { isThenable } from './thenable.js'

/** Options of one pass. */
export interface IterOptions {
  /** Cancels this pass (in addition to the dataset's own `signal`). */
  signal?: AbortSignal
}

/** A batch-wise map: returns a batch or rows. */
export type BatchMapFn<R extends Row, S extends Row> = (
  batch: RecordBatch<R>,
) => RecordBatch<S> | S[] | Promise<RecordBatch<S> | S[]>
/** A row-wise map; `index` counts rows from the start of the pass. */
export type RowMapFn<R extends Row, S extends Row> = (row: R, index: number) => S | Promise<S>
/** A batch-wise predicate: a mask with an entry per row, or one boolean for the whole batch. */
export type BatchPredicate<R extends Row> = (
  batch: RecordBatch<R>,
) => Uint8Array | boolean[] | boolean | Promise<Uint8Array | boolean[] | boolean>
/** A row-wise predicate; `index` counts rows from the start of the pass. */
export type RowPredicate<R extends Row> = (row: R, index: number) => boolean | Promise<boolean>

/** A source of rows or batches for {@link StreamingDataset.from}. */
export type DatasetSource<T> = AsyncIterable<T> | Iterable<T> | (() => AsyncIterable<T> | Iterable<T>)

/**
 * What {@link StreamingDataset.fromLoader} needs of a loader: passes over its batches, its schema
 * when known, its statistics. `StreamingDataLoader` is one; any object of this shape works.
 */
export interface BatchSource<R extends Row = Row, TStats extends DatasetStats = DatasetStats> {
  iterBatches(options?: { signal?: AbortSignal }): AsyncIterable<RecordBatch<R>>
  getSchema(): Promise<Field[] | undefined>
  getStats(): TStats
  /** The source's units, for sharding, shuffling and exact resume (`StreamingDataLoader` has it). */
  unitSource?(): UnitPassSource<R> | undefined
}

/** The pieces a dataset is made of: how to open a pass, and where its schema and stats come from. */
interface Plan<R extends Row, TStats extends DatasetStats> {
  open: (signal: AbortSignal | undefined) => AsyncIterable<RecordBatch<R>>
  schema: () => Promise<Field[] | undefined>
  stats: () => TStats
  /** The source read unit by unit (loaders with units, arrays), for shard and shuffle. */
  units?: (() => UnitPassSource<R> | undefined) | undefined
  /** Rows per batch of the source, when known. */
  batchSize?: number | undefined
  /** Made by per-batch operators over `base`: `rebuild` applies them over a replanned base. */
  derived?: {
    base: StreamingDataset<Row, TStats>
    rebuild: (base: StreamingDataset<Row, TStats>) => StreamingDataset<R, TStats>
  }
  /** Sharding, shuffle, epoch and checkpoint of a planned dataset (and of those derived from it). */
  control?: PlanControl | undefined
}

/**
 * A lazy, re-iterable stream of {@link RecordBatch}es with read-ahead, statistics, caching and
 * cancellation. Operators return new datasets that share the source's statistics.
 *
 * @example
 * ```ts
 * const ds = StreamingDataset.from(rows, { batchSize: 100 })
 *   .filter((row) => row.id % 2 === 0, { batched: false })
 *   .map((row) => ({ ...row, double: row.id * 2 }), { batched: false })
 * for await (const batch of ds) console.log(batch.numRows)
 * console.log(ds.getStats().throughput?.recordsPerSecond)
 * ```
 */
export class StreamingDataset<R extends Row = Row, TStats extends DatasetStats = DatasetStats>
  implements AsyncIterable<RecordBatch<R>>
{
  readonly #plan: Plan<R, TStats>

  private constructor(plan: Plan<R, TStats>) {
    this.#plan = plan
  }

  /** The dataset API over a loader (a `StreamingDataLoader` or any {@link BatchSource}). */
  static fromLoader<R extends Row, TStats extends DatasetStats = DatasetStats>(
    loader: BatchSource<R, TStats>,
  ): StreamingDataset<R, TStats> {
    return new StreamingDataset<R, TStats>({
      open: (signal) => loader.iterBatches(signal ? { signal } : {}),
      schema: () => loader.getSchema(),
      stats: () => loader.getStats(),
      units: loader.unitSource === undefined ? undefined : () => loader.unitSource?.(),
    })
  }

  /**
   * A dataset over an (async) iterable of `RecordBatch`es, or of row objects (cut into batches of
   * `batchSize`). Pass a function returning the iterable to make a one-shot generator re-iterable.
   */
  static from<R extends Row = Row>(
    source: DatasetSource<RecordBatch<R> | R>,
    options: LoaderOptions = {},
  ): StreamingDataset<R> {
    const resolved = resolveLoaderOptions(options)
    const instruments = createInstruments(resolved, options)
    const { stats, cache } = instruments
    let opened = false
    const read = () => {
      if (typeof source === 'function') return readItems(source(), resolved.batchSize)
      if (opened && isOneShot(source)) {
        throw new SdError(
          'This dataset reads a one-shot iterator that was already consumed; pass a function returning a fresh iterable to read it again',
          {
            code: 'SOURCE_CONSUMED',
          },
        )
      }
      opened = true
      return readItems(source, resolved.batchSize)
    }
    const pass = (read: ReadBatches<R>, signal: AbortSignal | undefined): AsyncIterable<RecordBatch<R>> => ({
      [Symbol.asyncIterator]: () =>
        runPass<R>(
          {
            read,
            options: resolved,
            stats,
            cache,
            cacheKey: () => undefined,
            seekable: false,
            name: 'StreamingDataset.from',
          },
          signal,
        ),
    })
    return new StreamingDataset<R, DatasetStats>({
      open: (signal) => pass(read, signal),
      schema: async () => undefined,
      stats: () => reportStats(instruments),
      batchSize: resolved.batchSize,
      units: Array.isArray(source)
        ? () => arrayUnitSource<R>(source as (R | RecordBatch<R>)[], resolved.batchSize, pass)
        : undefined,
    })
  }

  /** One pass over the batches. Each call starts a fresh pass. */
  iterBatches(options: IterOptions = {}): AsyncIterable<RecordBatch<R>> {
    return this.#plan.open(options.signal)
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordBatch<R>> {
    return this.#plan.open(undefined)[Symbol.asyncIterator]()
  }

  /** One pass over the rows, as objects. */
  async *rows(options: IterOptions = {}): AsyncGenerator<R, void, undefined> {
    for await (const batch of this.iterBatches(options)) yield* batch.rows()
  }

  /** Transforms every batch (`batched: true`, the default) or every row (`batched: false`). */
  map<S extends Row = Row>(fn: BatchMapFn<R, S>, options?: { batched?: true }): StreamingDataset<S, TStats>
  map<S extends Row = Row>(fn: RowMapFn<R, S>, options: { batched: false }): StreamingDataset<S, TStats>
  map<S extends Row = Row>(
    fn: BatchMapFn<R, S> | RowMapFn<R, S>,
    options: { batched?: boolean } = {},
  ): StreamingDataset<S, TStats> {
    const batched = options.batched ?? true
    const parent = this.#plan
    return this.#derive<S>(
      async function* (signal) {
        let index = 0
        for await (const batch of parent.open(signal)) {
          let out: RecordBatch<S>
          if (batched) {
            const mapped = (fn as BatchMapFn<R, S>)(batch)
            // awaiting only real promises saves a microtask per batch for synchronous maps
            out = toBatch(isThenable(mapped) ? await mapped : mapped)
          } else {
            const rows = batch.rows()
            const mapped = mapRows(rows, fn as RowMapFn<R, S>, index)
            out = RecordBatch.fromRows(isPromiseArray(mapped) ? await Promise.all(mapped) : (mapped as S[]))
          }
          index += batch.numRows
          if (out.numRows > 0) yield out
        }
      },
      async () => undefined,
      (base) =>
        (base as unknown as StreamingDataset<R, TStats>).map(
          fn as BatchMapFn<R, S>,
          options as { batched?: true },
        ),
    )
  }

  /**
   * Keeps rows: batch-wise (`batched: true`, the default) with a mask or a boolean per batch, or
   * row-wise (`batched: false`). Batches left empty are skipped.
   */
  filter(fn: BatchPredicate<R>, options?: { batched?: true }): StreamingDataset<R, TStats>
  filter(fn: RowPredicate<R>, options: { batched: false }): StreamingDataset<R, TStats>
  filter(
    fn: BatchPredicate<R> | RowPredicate<R>,
    options: { batched?: boolean } = {},
  ): StreamingDataset<R, TStats> {
    const batched = options.batched ?? true
    const parent = this.#plan
    return this.#derive<R>(
      async function* (signal) {
        let index = 0
        for await (const batch of parent.open(signal)) {
          let kept: RecordBatch<R>
          if (batched) {
            const verdict = await (fn as BatchPredicate<R>)(batch)
            if (typeof verdict === 'boolean') kept = verdict ? batch : batch.slice(0, 0)
            else kept = batch.filter(verdict)
          } else {
            kept = batch.filter(await rowMask(batch.rows(), fn as RowPredicate<R>, index))
          }
          index += batch.numRows
          if (kept.numRows > 0) yield kept
        }
      },
      parent.schema,
      (base) =>
        (base as unknown as StreamingDataset<R, TStats>).filter(
          fn as BatchPredicate<R>,
          options as { batched?: true },
        ),
    )
  }

  /** The first `n` rows; the source stops being read once they are out. */
  take(n: number): StreamingDataset<R, TStats> {
    assertCount(n, 'take')
    const parent = this.#plan
    return this.#derive<R>(async function* (signal) {
      if (n === 0) return
      let left = n
      for await (const batch of parent.open(signal)) {
        if (batch.numRows >= left) {
          yield batch.slice(0, left)
          return
        }
        left -= batch.numRows
        yield batch
      }
    }, parent.schema)
  }

  /** Every row after the first `n`. */
  skip(n: number): StreamingDataset<R, TStats> {
    assertCount(n, 'skip')
    const parent = this.#plan
    return this.#derive<R>(async function* (signal) {
      let left = n
      for await (const batch of parent.open(signal)) {
        if (left >= batch.numRows) {
          left -= batch.numRows
          continue
        }
        yield left > 0 ? batch.slice(left) : batch
        left = 0
      }
    }, parent.schema)
  }

  /** The same rows in batches of exactly `size` rows (the last may be shorter). */
  rebatch(size: number): StreamingDataset<R, TStats> {
    assertBatchSize(size, 'rebatch size')
    const parent = this.#plan
    return this.#derive<R>((signal) => rebatchStream(parent.open(signal), size), parent.schema)
  }

  /** Only the named columns, in that order. */
  select(columns: readonly string[]): StreamingDataset<Row, TStats> {
    if (columns.length === 0)
      throw new ValidationError('select needs at least one column name', { code: 'INVALID_OPTION' })
    const parent = this.#plan
    return this.#derive<Row>(
      async function* (signal) {
        for await (const batch of parent.open(signal)) yield batch.select(columns)
      },
      async () => {
        const schema = await parent.schema()
        if (!schema) return undefined
        return columns.map((name) => {
          const field = schema.find((f) => f.name === name)
          if (!field) {
            throw new ValidationError(
              `Unknown column "${name}": expected one of [${schema.map((f) => f.name).join(', ')}]`,
              {
                code: 'UNKNOWN_COLUMN',
                location: { column: name },
              },
            )
          }
          return field
        })
      },
      (base) => (base as unknown as StreamingDataset<R, TStats>).select(columns),
    )
  }

  /** Every row in one batch. */
  async collect(options: IterOptions = {}): Promise<RecordBatch<R>> {
    const batches: RecordBatch<R>[] = []
    for await (const batch of this.iterBatches(options)) batches.push(batch)
    if (batches.length === 0) return RecordBatch.empty<R>((await this.#plan.schema()) ?? [])
    return RecordBatch.concat(batches)
  }

  /** Every row as an object. */
  async toArray(options: IterOptions = {}): Promise<R[]> {
    const rows: R[] = []
    for await (const batch of this.iterBatches(options)) for (const row of batch.rows()) rows.push(row)
    return rows
  }

  /** The number of rows (reads the whole dataset, without building row objects). */
  async count(options: IterOptions = {}): Promise<number> {
    let n = 0
    for await (const batch of this.iterBatches(options)) n += batch.numRows
    return n
  }

  /**
   * The fields: from the source's metadata when it has them without reading data, else from the
   * first batch (`[]` for an empty dataset).
   */
  async schema(options: IterOptions = {}): Promise<Field[]> {
    const known = await this.#plan.schema()
    if (known) return known
    for await (const batch of this.iterBatches(options)) return batch.schema
    return []
  }

  /** `{ throughput, cache }` of the source, also for transformed datasets. */
  getStats(): TStats {
    return this.#plan.stats()
  }

  /**
   * This process's share of the dataset: rank `rank` of `worldSize` (defaults: the `RANK` and
   * `WORLD_SIZE` environment variables, as torchrun sets them). Units (files, row groups, byte
   * ranges) are split with no coordinator: every rank computes the same split from the unit list;
   * shares are disjoint, cover the dataset, and differ by at most one unit's rows. Calling `shard`
   * again splits this share among threads (a second level). See `equalize` for equal batch counts.
   */
  shard(options: ShardOptions = {}): StreamingDataset<R, TStats> {
    return this.#replan((spec) => withShard(spec, options))
  }

  /**
   * A seeded shuffle: units in an order drawn from `(seed, epoch)`, rows permuted within blocks of
   * `bufferSize` rows. The same seed gives the same order on every machine; `setEpoch` reshuffles.
   */
  shuffle(options: ShuffleOptions): StreamingDataset<R, TStats> {
    return this.#replan((spec) => withShuffle(spec, options))
  }

  /** The epoch of a sharded or shuffled dataset (0 at first). */
  get epoch(): number {
    return this.#control('epoch').epoch
  }

  /** Moves a sharded or shuffled dataset to epoch `epoch` (its next pass reads that epoch's order). */
  setEpoch(epoch: number): this {
    this.#control('setEpoch').setEpoch(epoch)
    return this
  }

  /**
   * A small JSON-serializable checkpoint of a sharded or shuffled dataset: where the consumer
   * stands, after the last batch it received. Pass it to {@link StreamingDataset.resume}.
   */
  state(): DatasetState {
    return this.#control('state').state()
  }

  /**
   * Makes the next pass continue from a checkpoint, so the rows before it and after it equal one
   * uninterrupted pass (shuffle included). Give this rank's state, or the states of every rank;
   * with another `worldSize` than the checkpoint's, give every rank's states and the ranks share
   * what is left, each remaining row exactly once.
   */
  resume(state: DatasetState | readonly DatasetState[]): this {
    this.#control('resume').resume(state)
    return this
  }

  #control(what: string): PlanControl {
    const control = this.#plan.control
    if (control === undefined) {
      throw new ValidationError(
        `${what} needs a sharded or shuffled dataset: call shard() (shard({ rank: 0, worldSize: 1 }) for one process) or shuffle() first`,
        { code: 'NOT_PLANNED' },
      )
    }
    return control
  }

  #replan(change: (spec: PlanSpec) => PlanSpec): StreamingDataset<R, TStats> {
    const plan = this.#plan
    if (plan.derived) return plan.derived.rebuild(plan.derived.base.#replan(change))
    const units =
      plan.units?.() ?? sequentialUnitSource<R>((signal) => plan.open(signal), plan.batchSize ?? 10_000)
    const control = new PlanControl(change(plan.control?.spec ?? NO_PLAN))
    return new StreamingDataset<R, TStats>({
      open: (signal) => ({ [Symbol.asyncIterator]: () => openPlanned(units, control, signal) }),
      schema: plan.schema,
      stats: plan.stats,
      units: () => units,
      batchSize: units.batchSize,
      control,
    })
  }

  #derive<S extends Row>(
    open: (signal: AbortSignal | undefined) => AsyncIterable<RecordBatch<S>>,
    schema: () => Promise<Field[] | undefined>,
    rebuild?: (base: StreamingDataset<Row, TStats>) => StreamingDataset<S, TStats>,
  ): StreamingDataset<S, TStats> {
    return new StreamingDataset<S, TStats>({
      open: (signal) => ({ [Symbol.asyncIterator]: () => open(signal)[Symbol.asyncIterator]() }),
      schema,
      stats: this.#plan.stats,
      batchSize: this.#plan.batchSize,
      control: this.#plan.control,
      ...(rebuild === undefined
        ? {}
        : { derived: { base: this as unknown as StreamingDataset<Row, TStats>, rebuild } }),
    })
  }
}

function isOneShot(source: object): boolean {
  // generators and other iterators return themselves from [Symbol.(async)iterator]()
  const it = source as { [Symbol.asyncIterator]?: () => unknown; [Symbol.iterator]?: () => unknown }
  if (typeof it[Symbol.asyncIterator] === 'function') return it[Symbol.asyncIterator]?.() === source
  if (typeof it[Symbol.iterator] === 'function') return it[Symbol.iterator]?.() === source
  return false
}

async function* readItems<R extends Row>(
  source: AsyncIterable<RecordBatch<R> | R> | Iterable<RecordBatch<R> | R>,
  batchSize: number,
): AsyncGenerator<RecordBatch<R>> {
  let rows: R[] = []
  for await (const item of source) {
    if (RecordBatch.isRecordBatch(item)) {
      if (rows.length > 0) {
        yield RecordBatch.fromRows(rows)
        rows = []
      }
      yield item as RecordBatch<R>
      continue
    }
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ValidationError(
        `Expected a row object or a RecordBatch, got ${Array.isArray(item) ? 'an array' : String(item)}`,
        {
          code: 'INVALID_ROW',
        },
      )
    }
    rows.push(item as R)
    if (rows.length === batchSize) {
      yield RecordBatch.fromRows(rows)
      rows = []
    }
  }
  if (rows.length > 0) yield RecordBatch.fromRows(rows)
}

function toBatch<S extends Row>(value: RecordBatch<S> | S[]): RecordBatch<S> {
  if (RecordBatch.isRecordBatch(value)) return value as RecordBatch<S>
  if (Array.isArray(value)) return RecordBatch.fromRows(value)
  throw new ValidationError(
    `A batched map must return a RecordBatch or an array of rows, got ${typeof value}`,
    {
      code: 'INVALID_MAP_RESULT',
    },
  )
}

function mapRows<R extends Row, S extends Row>(
  rows: R[],
  fn: RowMapFn<R, S>,
  start: number,
): (S | Promise<S>)[] {
  const out: (S | Promise<S>)[] = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) out[i] = fn(rows[i] as R, start + i)
  return out
}

function isPromiseArray(values: unknown[]): boolean {
  for (const v of values) if (isThenable(v)) return true
  return false
}

async function rowMask<R extends Row>(rows: R[], fn: RowPredicate<R>, start: number): Promise<Uint8Array> {
  const mask = new Uint8Array(rows.length)
  const verdicts: (boolean | Promise<boolean>)[] = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) verdicts[i] = fn(rows[i] as R, start + i)
  const resolved = isPromiseArray(verdicts) ? await Promise.all(verdicts) : (verdicts as boolean[])
  for (let i = 0; i < resolved.length; i++) mask[i] = resolved[i] ? 1 : 0
  return mask
}

function assertCount(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new ValidationError(`${name} needs a non-negative integer, got ${n}`, { code: 'INVALID_OPTION' })
  }
}
