import type { ReadBatches, ReadContext } from '../pass.js'
import type { RecordBatch, Row } from '../record-batch.js'

/**
 * One piece of a dataset that a rank can be given whole: a file, a Parquet row group, a
 * line-aligned byte range of a text file, a slice of an array. A loader describes its units from
 * what it knows without reading data (footers, sizes, a manifest).
 */
export interface DataUnit {
  /**
   * Names the unit, the same on every machine for the same data (for example
   * `part-3.parquet#rg2` or `a.csv@0-1048576`). Unit ids make the dataset's fingerprint, which
   * {@link StreamingDataset.resume} checks.
   */
  readonly id: string
  /** Rows in the unit, when known without reading it (Parquet footers). */
  readonly rows?: number | undefined
  /** Bytes the unit spans in its source (weighs units whose row count is unknown). */
  readonly bytes?: number | undefined
}

/**
 * A loader that can list its units and read one unit from a row offset: what sharding, seeded
 * shuffling and exact resume need. `StreamingDataLoader`s implement it by overriding `listUnits`
 * and `readUnit`; `StreamingDataset.fromLoader` picks it up.
 *
 * Contract: `listUnits` gives the same list, in the same order, on every machine for the same data;
 * `readUnit(unit, offset)` yields exactly the unit's rows from row `offset` on (0-based within the
 * unit), in the same order every time, in batches of any size; the rows of all units, unit after
 * unit, are the dataset's rows.
 */
export interface UnitSource<R extends Row = Row> {
  /** The units, in the dataset's order. */
  listUnits(signal?: AbortSignal): Promise<readonly DataUnit[]>
  /** The rows of `unit` from row `offset` on. Close what it opens in a `finally`. */
  readUnit(
    unit: DataUnit,
    offset: number,
    ctx: ReadContext,
  ): AsyncIterable<RecordBatch<R>> | Iterable<RecordBatch<R>>
  /**
   * The exact row count of a unit whose `rows` is unknown (a scan). Needed only when every rank
   * must yield the same number of batches (`shard({ equalize })`).
   */
  countRows?(unit: DataUnit, signal?: AbortSignal): Promise<number>
  /**
   * True when units can only be read in ascending order, each once per pass (a source that is a
   * stream): their order is then never permuted; rows are still shuffled in the buffer.
   */
  readonly sequential?: boolean
}

/**
 * A {@link UnitSource} with a way to run a pass: the read-ahead, statistics and cancellation of
 * the loader it belongs to, around a function that yields batches.
 */
export interface UnitPassSource<R extends Row = Row> extends UnitSource<R> {
  /** Rows per batch the source was configured with. */
  readonly batchSize: number
  /** One pass of `read` with the source's read-ahead, statistics and cancellation. */
  pass(read: ReadBatches<R>, signal: AbortSignal | undefined): AsyncIterable<RecordBatch<R>>
}

/** True when `value` has `listUnits` and `readUnit` methods. */
export function hasUnits<R extends Row>(value: unknown): value is UnitSource<R> {
  const v = value as Partial<UnitSource<R>> | null
  return typeof v?.listUnits === 'function' && typeof v.readUnit === 'function'
}
