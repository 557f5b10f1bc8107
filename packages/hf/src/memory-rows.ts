import {
  type ColumnData,
  columnFromValues,
  compileFilter,
  type Field,
  inferField,
  type ReadContext,
  RecordBatch,
  type Row,
  StateError,
  throwIfAborted,
  ValidationError,
} from '@sd/core'
import type { ReadSettings } from './options.js'

/** Rows held by the caller: an array, any iterable, or an async iterable of row objects. */
export type RowSource = Iterable<Row> | AsyncIterable<Row>

/** The rows of `source`, or `undefined` when it is not rows (`{ rows }` or an iterable of them). */
export function rowSource(source: unknown): RowSource | undefined {
  if (source === null || typeof source !== 'object') return undefined
  if (Object.hasOwn(source, 'rows')) {
    const rows = (source as { rows: unknown }).rows
    return isIterable(rows) && typeof rows !== 'string' ? (rows as RowSource) : undefined
  }
  return isIterable(source) ? (source as RowSource) : undefined
}

/**
 * Reads rows held in memory for one pass: rows that match the filter, cut into batches of exactly
 * `ctx.batchSize` rows laid out as columns (typed values with validity bitmaps, strings as offsets
 * and bytes), with the selected columns only (a column a row lacks is null there).
 */
export class MemoryRows {
  readonly #rows: RowSource
  readonly #read: ReadSettings
  #used = false

  constructor(rows: RowSource, read: ReadSettings) {
    this.#rows = rows
    this.#read = read
  }

  /** The row count before filters, when the rows are an array (else unknown without reading them). */
  get length(): number | undefined {
    return Array.isArray(this.#rows) ? this.#rows.length : undefined
  }

  /** The rows that match the filters, when the rows are an array. */
  matchingLength(): number | undefined {
    if (!Array.isArray(this.#rows)) return undefined
    const filters = this.#read.filters
    if (!filters) return this.#rows.length
    const mask = compileFilter(filters).maskRows(this.#rows as Row[])
    let n = 0
    for (const bit of mask) n += bit
    return n
  }

  async *batches(ctx: ReadContext): AsyncGenerator<RecordBatch> {
    if (this.#used && isOneShot(this.#rows)) {
      throw new StateError(
        'These rows come from a one-shot iterator that a previous pass consumed; pass an array or a re-iterable source to read them again',
        { code: 'SOURCE_CONSUMED' },
      )
    }
    this.#used = true
    const filter = this.#read.filters ? compileFilter(this.#read.filters) : undefined
    let pending: Row[] = []
    let index = 0
    for await (const row of this.#rows) {
      throwIfAborted(ctx.signal)
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        throw new ValidationError(
          `Expected row objects, got ${Array.isArray(row) ? 'an array' : String(row)} at row ${index}`,
          { code: 'INVALID_ROW', location: { row: index } },
        )
      }
      index++
      if (filter && !filter.matches(row)) continue
      pending.push(row)
      if (pending.length === ctx.batchSize) {
        yield this.#batch(pending)
        pending = []
      }
    }
    if (pending.length > 0) yield this.#batch(pending)
  }

  #batch(rows: Row[]): RecordBatch {
    const names = this.#read.columns ?? keysOf(rows)
    const fields: Field[] = []
    const columns: ColumnData[] = []
    for (const name of names) {
      let values = rows.map((row) => (Object.hasOwn(row, name) ? (row[name] ?? null) : null))
      let field = inferField(name, values)
      if (field.type === 'int64' && this.#read.int64 === 'number') {
        values = values.map((v) => (typeof v === 'bigint' ? Number(v) : v))
        field = { ...field, type: 'float64' }
      }
      fields.push(field)
      columns.push(columnFromValues(values, field))
    }
    return RecordBatch.fromData(fields, columns)
  }
}

/** The own keys of the rows, in the order they first appear. */
function keysOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key)
  return [...seen]
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
