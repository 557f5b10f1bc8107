import {
  type ColumnValues as Column,
  type ErrorLocation,
  type Field,
  FormatError,
  RecordBatch,
  type RecordCounters,
  type SdError,
} from '@sd/core'
import { describeValue } from './describe.js'
import { type Extractor, type MissFn, makeExtractor } from './extractor.js'
import { type ColumnPlan, fitsType, inferColumns, ownValue, planField } from './infer-schema.js'
import type { JsonColumnType } from './options.js'

/** Options of a {@link ColumnBuilder}. */
export interface ColumnBuilderOptions {
  batchSize: number
  columns: string[] | undefined
  columnTypes: Record<string, JsonColumnType>
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

/**
 * Turns parsed records into columnar batches of `batchSize` rows. The first batch's records are
 * held until the batch is full, the columns and their types are inferred from them, and from then
 * on every record is copied straight into typed arrays (non-null `int32`, `float64`, `bool`) or
 * plain arrays. Types never change after the first batch: a value that does not fit its column is
 * an error, a counted null or a skipped record (`onBadValue`), and keys first seen later are not read.
 */
export class ColumnBuilder {
  readonly #options: ColumnBuilderOptions
  readonly #batchSize: number
  /** Records of the first batch, until the columns are decided; then undefined. */
  #pending: Record<string, unknown>[] | undefined = []
  #plans: ColumnPlan[] = []
  #extract: Extractor | undefined
  #cols: unknown[][] = []
  /** Per column: a null (or mismatch) was stored in the current batch. */
  #nullSeen = new Uint8Array(0)
  #count = 0
  #line = 0
  /** The record being added holds a value that does not fit (`onBadValue: 'skip'`). */
  #dropRow: SdError | undefined
  readonly #miss: MissFn = (k, v, i) => this.#onMiss(k, v, i)

  constructor(options: ColumnBuilderOptions) {
    this.#options = options
    this.#batchSize = options.batchSize
    if (options.plans !== undefined) {
      this.#pending = undefined
      this.#plans = [...options.plans]
      this.#nullSeen = new Uint8Array(this.#plans.length)
      this.#extract = makeExtractor(this.#plans)
    }
  }

  /** The columns, once decided (after the first batch). */
  get plans(): readonly ColumnPlan[] | undefined {
    return this.#pending === undefined ? this.#plans : undefined
  }

  /** Adds a record that started on `line`; true when a batch is full and {@link take} should run. */
  add(record: Record<string, unknown>, line: number): boolean {
    const extract = this.#extract
    if (extract === undefined) return this.#addPending(record, line)
    if (this.#count === 0) this.#allocate()
    this.#line = line
    extract(record, this.#count, this.#cols, this.#miss)
    if (this.#dropRow !== undefined) {
      // the row's slots are written again by the next record
      this.#skip(this.#dropRow)
      this.#dropRow = undefined
      return false
    }
    return ++this.#count === this.#batchSize
  }

  #skip(error: SdError): void {
    this.#options.counters.skippedRecords++
    this.#options.onSkip?.(error)
  }

  /** The rows added since the last call as a batch, or undefined when there are none. */
  take(): RecordBatch | undefined {
    if (this.#pending) {
      if (this.#pending.length === 0) return undefined
      this.#decide()
    }
    const n = this.#count
    if (n === 0) return undefined
    this.#count = 0
    const plans = this.#plans
    if (plans.length === 0)
      return RecordBatch.fromRows(
        Array.from({ length: n }, () => ({})),
        [],
      )
    const columns: Record<string, Column> = Object.create(null)
    const fields: Field[] = new Array(plans.length)
    for (let k = 0; k < plans.length; k++) {
      const plan = plans[k] as ColumnPlan
      let col = this.#cols[k] as Column
      if (n < this.#batchSize) {
        if (ArrayBuffer.isView(col)) col = col.subarray(0, n)
        else col.length = n
      }
      columns[plan.name] = col
      fields[k] = planField(plan, plan.nullable || this.#nullSeen[k] === 1)
    }
    this.#cols = []
    return RecordBatch.fromColumns(columns, fields)
  }

  #addPending(record: Record<string, unknown>, line: number): boolean {
    const pending = this.#pending as Record<string, unknown>[]
    if (this.#options.onBadValue !== 'null') {
      // a type given by columnTypes is checked now, while the record's location is known
      for (const name in this.#options.columnTypes) {
        const type = this.#options.columnTypes[name] as JsonColumnType
        const value = ownValue(record, name)
        if (value !== null && value !== undefined && !fitsType(type, value)) {
          const error = this.#mismatch(name, type, value, line, 'set by columnTypes')
          if (this.#options.onBadValue === 'error') throw error
          this.#skip(error)
          return false
        }
      }
    }
    pending.push(record)
    if (pending.length < this.#batchSize) return false
    this.#decide()
    return true
  }

  /** Infers the columns from the held records and copies them in. */
  #decide(): void {
    const pending = this.#pending as Record<string, unknown>[]
    this.#pending = undefined
    const { columns, columnTypes } = this.#options
    this.#plans = inferColumns(pending, columns, columnTypes)
    this.#nullSeen = new Uint8Array(this.#plans.length)
    const extract = makeExtractor(this.#plans)
    this.#extract = extract
    this.#allocate()
    for (let i = 0; i < pending.length; i++) extract(pending[i] as object, i, this.#cols, this.#miss)
    this.#count = pending.length
  }

  #allocate(): void {
    const size = this.#batchSize
    this.#cols = this.#plans.map((plan) => {
      if (plan.nullable) return new Array(size)
      switch (plan.type) {
        case 'int32':
          return new Int32Array(size) as unknown as unknown[]
        case 'float64':
          return new Float64Array(size) as unknown as unknown[]
        case 'bool':
          return new Uint8Array(size) as unknown as unknown[]
        default:
          return new Array(size)
      }
    })
    this.#nullSeen.fill(0)
  }

  #onMiss(k: number, value: unknown, row: number): void {
    const plan = this.#plans[k] as ColumnPlan
    if (value !== null && value !== undefined) {
      const policy = this.#options.onBadValue
      if (policy !== 'null') {
        const how = Object.hasOwn(this.#options.columnTypes, plan.name)
          ? 'set by columnTypes'
          : 'inferred from the first batch'
        const error = this.#mismatch(plan.name, plan.type, value, this.#line, how)
        if (policy === 'error') throw error
        this.#dropRow ??= error
      } else this.#options.counters.nulledValues++
    }
    if (this.#nullSeen[k] === 0) {
      this.#nullSeen[k] = 1
      const col = this.#cols[k] as Column
      // a typed column cannot hold null: this batch's column becomes a plain array
      if (ArrayBuffer.isView(col)) {
        const plain: unknown[] = new Array(this.#batchSize)
        const bool = plan.type === 'bool'
        for (let j = 0; j < row; j++) plain[j] = bool ? col[j] !== 0 : col[j]
        this.#cols[k] = plain
      }
    }
    ;(this.#cols[k] as unknown[])[row] = null
  }

  #mismatch(name: string, type: JsonColumnType, value: unknown, line: number, how: string): FormatError {
    const fit = type === 'int32' && typeof value === 'number' ? 'float64' : 'json'
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)
    return new FormatError(
      `Expected ${type} in column "${name}" (its type was ${how}), got ${describeValue(value)}. Pass onBadValue: 'null' to store null instead, or columnTypes: { ${key}: '${fit}' } to read it as ${fit}`,
      { code: 'TYPE_MISMATCH', location: { ...this.#options.locate(line), column: name } },
    )
  }
}
