import {
  BatchBuilder,
  type ErrorLocation,
  FLOAT64_KIND,
  FormatError,
  INT64_KIND,
  type Int64Option,
  JSON_KIND,
  RecordBatch,
  type RecordCounters,
  type SdError,
} from '@sd/core/text-worker'
import { describeValue } from './describe.js'
import { type Extractor, type MissFn, makeExtractor } from './extractor.js'
import { type ColumnPlan, fitsType, inferColumns, kindOf, ownValue } from './infer-schema.js'
import { LineParser } from './line-parser.js'
import type { JsonColumnType } from './options.js'

/** Options of a {@link ColumnBuilder}. */
export interface ColumnBuilderOptions {
  batchSize: number
  /** A batch also ends once its lines hold this many bytes. */
  maxBatchBytes: number
  columns: string[] | undefined
  columnTypes: Record<string, JsonColumnType>
  /** Integers beyond int32 into `int64` columns (`'bigint'`) or `float64` ones (`'number'`). */
  int64: Int64Option
  onBadValue: 'error' | 'null' | 'skip'
  onSkip: ((error: SdError) => void) | undefined
  counters: RecordCounters
  /** Where a record that started on `line` sits (file, line, byte), for error messages. */
  locate: (line: number) => ErrorLocation
  /**
   * Columns already decided (from the start of the file, for a shard unit read from its middle):
   * no inference, so every unit gets the types a whole pass would.
   */
  plans?: readonly ColumnPlan[] | undefined
}

/** What {@link ColumnBuilder.addLine} did. */
export const LINE_ADDED = 0
/** The line was added and the batch is full: take it. */
export const LINE_FULL = 1
/** The fast path cannot read this line: parse it and call `add`. */
export const LINE_SLOW = 2

/** Text of a batch's records at which a batch ends, whatever `batchSize` says. */
export const MAX_BATCH_BYTES = 64 << 20

/**
 * Turns records into columnar batches in the Arrow layout (core's `BatchBuilder`). The first
 * batch's records are held as parsed objects until the batch is full; the columns and their types
 * are inferred from them; from then on records go straight into the columns: NDJSON lines from
 * their bytes ({@link addLine}, through the {@link LineParser}), parsed objects through a
 * specialised extractor ({@link add}). Types never change after the first batch: a value that
 * does not fit its column is an error, a counted null or a skipped record (`onBadValue`), and keys
 * first seen later are not read.
 */
export class ColumnBuilder {
  readonly #options: ColumnBuilderOptions
  /** Records of the first batch, until the columns are decided; then undefined. */
  #pending: object[] | undefined = []
  #pendingLines: number[] = []
  #pendingBytes = 0
  #plans: ColumnPlan[] = []
  #extract: Extractor | undefined
  #builder: BatchBuilder | undefined
  #lines: LineParser | undefined
  #batchBytes = 0
  #line = 0
  /** The record being added holds a value that does not fit (`onBadValue: 'skip'`). */
  #dropRow: SdError | undefined
  readonly #miss: MissFn = (k, v) => this.#onMiss(k, v)

  constructor(options: ColumnBuilderOptions) {
    this.#options = options
    if (options.plans !== undefined) {
      this.#pending = undefined
      this.#usePlans([...options.plans])
    }
  }

  /** The columns, once decided (after the first batch). */
  get plans(): readonly ColumnPlan[] | undefined {
    return this.#pending === undefined ? this.#plans : undefined
  }

  /**
   * Adds an NDJSON line `buf[s, e)` that started on `line`, from its bytes: {@link LINE_ADDED},
   * {@link LINE_FULL} (take the batch), or {@link LINE_SLOW} (nothing added: parse the line and
   * call {@link add}, which also decides its errors).
   */
  addLine(buf: Uint8Array, s: number, e: number): number {
    const lines = this.#lines
    if (lines === undefined) return LINE_SLOW
    const b = this.#builder as BatchBuilder
    b.ensureRow()
    if (!lines.parse(buf, s, e)) return LINE_SLOW
    b.commitRow()
    this.#batchBytes += e - s + 1
    return b.rows === this.#options.batchSize || this.#batchBytes >= this.#options.maxBatchBytes
      ? LINE_FULL
      : LINE_ADDED
  }

  /** Adds a parsed record that started on `line` (`bytes` long); true when the batch is full. */
  add(record: object, line: number, bytes = 0): boolean {
    const extract = this.#extract
    if (extract === undefined) return this.#addPending(record, line, bytes)
    const b = this.#builder as BatchBuilder
    b.ensureRow()
    this.#line = line
    extract(record, b, this.#miss)
    if (this.#dropRow !== undefined) {
      b.rollbackRow()
      this.#skip(this.#dropRow)
      this.#dropRow = undefined
      return false
    }
    b.commitRow()
    this.#batchBytes += bytes
    return b.rows === this.#options.batchSize || this.#batchBytes >= this.#options.maxBatchBytes
  }

  /** The rows added since the last call as a batch, or undefined when there are none. */
  take(): RecordBatch | undefined {
    if (this.#pending) {
      if (this.#pending.length === 0) return undefined
      this.#decide()
    }
    this.#batchBytes = 0
    const b = this.#builder
    if (b === undefined) return undefined
    // records without any column are rows all the same
    if (this.#plans.length === 0) {
      const rows = b.rows
      b.finish()
      return rows === 0
        ? undefined
        : RecordBatch.fromRows(
            Array.from({ length: rows }, () => ({})),
            [],
          )
    }
    return b.finish()
  }

  #skip(error: SdError): void {
    this.#options.counters.skippedRecords++
    this.#options.onSkip?.(error)
  }

  #addPending(record: object, line: number, bytes: number): boolean {
    const pending = this.#pending as object[]
    const { columnTypes, onBadValue } = this.#options
    if (onBadValue !== 'null') {
      // a type given by columnTypes is checked now, while the record's location is known
      for (const name of Object.keys(columnTypes)) {
        const type = columnTypes[name] as JsonColumnType
        const value = ownValue(record, name)
        if (value !== null && value !== undefined && !fitsType(type, value)) {
          const error = this.#mismatch(name, type, value, line, 'set by columnTypes')
          if (onBadValue === 'error') throw error
          this.#skip(error)
          return false
        }
      }
    }
    pending.push(record)
    this.#pendingLines.push(line)
    this.#pendingBytes += bytes
    if (pending.length < this.#options.batchSize && this.#pendingBytes < this.#options.maxBatchBytes)
      return false
    this.#decide()
    return true
  }

  /** Infers the columns from the held records and copies them in. */
  #decide(): void {
    const pending = this.#pending as object[]
    const lines = this.#pendingLines
    this.#pending = undefined
    this.#pendingLines = []
    const { columns, columnTypes, int64 } = this.#options
    this.#usePlans(inferColumns(pending, columns, columnTypes, int64))
    for (let i = 0; i < pending.length; i++) this.add(pending[i] as object, lines[i] as number)
    this.#batchBytes = this.#pendingBytes
  }

  #usePlans(plans: ColumnPlan[]): void {
    this.#plans = plans
    const names = plans.map((p) => p.name)
    const builder = new BatchBuilder(
      plans.map((p) => ({ name: p.name, type: p.type, kind: kindOf(p.type) })),
      this.#options.batchSize,
    )
    this.#builder = builder
    this.#extract = makeExtractor(names, builder.kinds)
    this.#lines = new LineParser(builder, names)
  }

  #onMiss(k: number, value: unknown): void {
    const plan = this.#plans[k] as ColumnPlan
    const b = this.#builder as BatchBuilder
    if (typeof value === 'bigint') {
      // an integer beyond 2^53, read exactly: stored as is, or as the nearest double
      const kind = b.kinds[k]
      if (kind === INT64_KIND) {
        b.setInt64(k, value)
        return
      }
      if (kind === FLOAT64_KIND) {
        ;(b.f64[k] as Float64Array)[b.rows] = Number(value)
        return
      }
      if (kind === JSON_KIND) {
        ;(b.values[k] as unknown[])[b.rows] = Number(value)
        return
      }
    }
    if (value !== null && value !== undefined) {
      const policy = this.#options.onBadValue
      if (policy !== 'null') {
        const how = Object.hasOwn(this.#options.columnTypes, plan.name)
          ? 'set by columnTypes'
          : 'inferred from the first batch'
        const error = this.#mismatch(plan.name, plan.type, value, this.#line, how)
        if (policy === 'error') {
          b.rollbackRow()
          throw error
        }
        this.#dropRow ??= error
      } else this.#options.counters.nulledValues++
    }
    b.setNull(k)
  }

  #mismatch(name: string, type: JsonColumnType, value: unknown, line: number, how: string): FormatError {
    const fit = widerType(type, value)
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)
    return new FormatError(
      `Expected ${type} in column "${name}" (its type was ${how}), got ${describeValue(value)}. Pass onBadValue: 'null' to store null instead, or columnTypes: { ${key}: '${fit}' } to read it as ${fit}`,
      { code: 'TYPE_MISMATCH', location: { ...this.#options.locate(line), column: name } },
    )
  }
}

/** The column type to suggest for `value` that does not fit `type`. */
function widerType(type: JsonColumnType, value: unknown): JsonColumnType {
  if (type !== 'int32' && type !== 'int64') return 'json'
  if (typeof value === 'bigint') return 'int64'
  if (typeof value !== 'number') return 'json'
  return type === 'int32' && Number.isSafeInteger(value) ? 'int64' : 'float64'
}
