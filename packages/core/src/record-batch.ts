import {
  columnFromValues,
  concatColumns,
  estimateColumnBytes,
  estimateRowBytes,
  filterColumn,
  sliceColumn,
} from './column.js'
import { ValidationError } from './errors.js'
import { rowFactory } from './row-factory.js'
import { type Column, type Field, inferField, inferSchemaFromRows, widenType } from './schema.js'

/** A row object: column name to value. */
export type Row = Record<string, unknown>

const BRAND = Symbol.for('@sd/core/RecordBatch')

/**
 * A batch of rows, columnar inside. A batch made from columns builds row objects only when
 * {@link RecordBatch.rows} is called (then caches them); a batch made from rows builds a column
 * only when that column is asked for.
 *
 * @example
 * ```ts
 * const batch = RecordBatch.fromColumns({ id: Int32Array.of(1, 2, 3), name: ['a', 'b', 'c'] })
 * batch.column('id')          // Int32Array [1, 2, 3]
 * batch.rows()[1]             // { id: 2, name: 'b' }
 * batch.filter(Uint8Array.of(1, 0, 1)).numRows // 2
 * ```
 */
export class RecordBatch<R extends Row = Row> implements Iterable<R> {
  /** Number of rows. */
  readonly numRows: number
  readonly #schema: Field[]
  readonly #columns: Map<string, Column>
  readonly #fromRows: boolean
  #rows: R[] | undefined
  #byteSize: number | undefined

  private constructor(numRows: number, schema: Field[], columns: Map<string, Column>, rows: R[] | undefined) {
    this.numRows = numRows
    this.#schema = schema
    this.#columns = columns
    this.#rows = rows
    this.#fromRows = rows !== undefined
    Object.defineProperty(this, BRAND, { value: true })
  }

  /**
   * A batch over columns of equal length. Without `schema`, types are inferred from the columns;
   * with it, its order is the column order and its names must match the columns.
   */
  static fromColumns<R extends Row = Row>(columns: Record<string, Column>, schema?: Field[]): RecordBatch<R> {
    const names = Object.keys(columns)
    let numRows = -1
    for (const name of names) {
      const length = (columns[name] as Column).length
      if (numRows === -1) numRows = length
      else if (length !== numRows) {
        throw new ValidationError(
          `Columns must have equal lengths: expected ${numRows} rows, column "${name}" has ${length}`,
          { code: 'COLUMN_LENGTH_MISMATCH', location: { column: name } },
        )
      }
    }
    const fields = schema ?? names.map((name) => inferField(name, columns[name] as Column))
    if (schema) {
      const missing = schema.filter((f) => !(f.name in columns)).map((f) => f.name)
      const extra = names.filter((n) => !schema.some((f) => f.name === n))
      if (missing.length > 0 || extra.length > 0) {
        throw new ValidationError(
          `Schema and columns differ: schema names [${schema.map((f) => f.name).join(', ')}], columns [${names.join(', ')}]`,
          { code: 'SCHEMA_MISMATCH' },
        )
      }
    }
    const map = new Map<string, Column>()
    for (const field of fields) map.set(field.name, columns[field.name] as Column)
    return new RecordBatch<R>(Math.max(numRows, 0), fields, map, undefined)
  }

  /** A batch over row objects. Without `schema`, it is inferred from the keys and values of the rows. */
  static fromRows<R extends Row = Row>(rows: R[], schema?: Field[]): RecordBatch<R> {
    return new RecordBatch<R>(rows.length, schema ?? inferSchemaFromRows(rows), new Map(), rows)
  }

  /** A batch with no rows. */
  static empty<R extends Row = Row>(schema: Field[] = []): RecordBatch<R> {
    const columns = new Map<string, Column>()
    for (const field of schema) columns.set(field.name, [])
    return new RecordBatch<R>(0, schema, columns, undefined)
  }

  /** True for a `RecordBatch`, also one made by another copy of this package. */
  static isRecordBatch(value: unknown): value is RecordBatch {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }

  /**
   * Joins batches end to end. Columns are matched by name; a column missing from some batches is
   * null there. Typed columns of one kind stay typed.
   */
  static concat<R extends Row = Row>(batches: readonly RecordBatch<R>[]): RecordBatch<R> {
    if (batches.length === 0) return RecordBatch.empty<R>()
    if (batches.length === 1) return batches[0] as RecordBatch<R>
    const schema = mergeSchemas(batches.map((b) => b.schema))
    if (batches.every((b) => b.#fromRows)) {
      const rows: R[] = []
      for (const batch of batches) for (const row of batch.#rows as R[]) rows.push(row)
      return new RecordBatch<R>(rows.length, schema, new Map(), rows)
    }
    const lengths = batches.map((b) => b.numRows)
    const columns = new Map<string, Column>()
    for (const field of schema) {
      const parts = batches.map((b) => (b.hasColumn(field.name) ? b.column(field.name) : undefined))
      columns.set(field.name, concatColumns(parts, lengths))
    }
    const numRows = lengths.reduce((a, b) => a + b, 0)
    return new RecordBatch<R>(numRows, schema, columns, undefined)
  }

  /** The fields, in column order. */
  get schema(): Field[] {
    return this.#schema
  }

  /** The column names, in order. */
  get columnNames(): string[] {
    return this.#schema.map((f) => f.name)
  }

  /** Number of columns. */
  get numColumns(): number {
    return this.#schema.length
  }

  /** True when the batch has a column `name`. */
  hasColumn(name: string): boolean {
    return this.#schema.some((f) => f.name === name)
  }

  /** The field of column `name`. Throws a {@link ValidationError} (`UNKNOWN_COLUMN`) if there is none. */
  field(name: string): Field {
    const field = this.#schema.find((f) => f.name === name)
    if (!field) throw this.#unknownColumn(name)
    return field
  }

  /**
   * Column `name`: a typed array for non-null numeric data, else a plain array. Throws a
   * {@link ValidationError} (`UNKNOWN_COLUMN`) naming the columns that exist.
   */
  column(name: string): Column {
    const existing = this.#columns.get(name)
    if (existing !== undefined) return existing
    const field = this.field(name)
    const rows = this.#rows as R[]
    const values: unknown[] = new Array(rows.length)
    for (let i = 0; i < rows.length; i++) values[i] = (rows[i] as R)[name] ?? null
    const column = columnFromValues(values, field)
    this.#columns.set(name, column)
    return column
  }

  /** Every column by name (builds missing ones for a batch made from rows). */
  toColumns(): Record<string, Column> {
    const out: Record<string, Column> = {}
    for (const field of this.#schema) out[field.name] = this.column(field.name)
    return out
  }

  /** The rows as objects, built on first call and cached. */
  rows(): R[] {
    if (this.#rows) return this.#rows
    const columns = this.#schema.map((f) => this.#columns.get(f.name) as Column)
    const make = rowFactory(this.#schema, columns)
    const rows: R[] = new Array(this.numRows)
    for (let i = 0; i < this.numRows; i++) rows[i] = make(columns, i) as R
    this.#rows = rows
    return rows
  }

  /** Iterates the row objects. */
  [Symbol.iterator](): Iterator<R> {
    return this.rows()[Symbol.iterator]()
  }

  /** A batch with only `names`, in that order. Unknown names throw {@link ValidationError}. */
  select(names: readonly string[]): RecordBatch {
    const fields = names.map((name) => this.field(name))
    const columns = new Map<string, Column>()
    for (const name of names) columns.set(name, this.column(name))
    return new RecordBatch(this.numRows, fields, columns, undefined)
  }

  /**
   * Rows `[start, end)`, with negative indexes counting from the end as in `Array.prototype.slice`.
   * Typed columns are zero-copy views.
   */
  slice(start = 0, end = this.numRows): RecordBatch<R> {
    const s = clampIndex(start, this.numRows)
    const e = Math.max(s, clampIndex(end, this.numRows))
    if (s === 0 && e === this.numRows) return this
    const columns = new Map<string, Column>()
    for (const [name, column] of this.#columns) columns.set(name, sliceColumn(column, s, e))
    const rows = this.#rows?.slice(s, e)
    const batch = new RecordBatch<R>(e - s, this.#schema, columns, this.#fromRows ? rows : undefined)
    if (!this.#fromRows && rows) batch.#rows = rows
    return batch
  }

  /**
   * The rows whose mask entry is true (or non-zero). The mask must have one entry per row.
   */
  filter(mask: Uint8Array | readonly boolean[]): RecordBatch<R> {
    if (mask.length !== this.numRows) {
      throw new ValidationError(
        `Filter mask length must equal the row count: expected ${this.numRows}, got ${mask.length}`,
        {
          code: 'MASK_LENGTH_MISMATCH',
        },
      )
    }
    let count = 0
    for (let i = 0; i < mask.length; i++) if (mask[i]) count++
    if (count === this.numRows) return this
    if (this.#fromRows) {
      const rows = this.#rows as R[]
      return new RecordBatch<R>(
        count,
        this.#schema,
        new Map(),
        rows.filter((_, i) => mask[i]),
      )
    }
    const columns = new Map<string, Column>()
    for (const [name, column] of this.#columns) columns.set(name, filterColumn(column, mask, count))
    return new RecordBatch<R>(count, this.#schema, columns, undefined)
  }

  /** An estimate of the batch's memory in bytes, used by caches and prefetch budgets. */
  get byteSize(): number {
    if (this.#byteSize === undefined) {
      if (this.#fromRows) this.#byteSize = estimateRowBytes(this.#rows as R[])
      else {
        let total = 0
        for (const column of this.#columns.values()) total += estimateColumnBytes(column)
        this.#byteSize = total
      }
    }
    return this.#byteSize
  }

  #unknownColumn(name: string): ValidationError {
    return new ValidationError(`Unknown column "${name}": expected one of [${this.columnNames.join(', ')}]`, {
      code: 'UNKNOWN_COLUMN',
      location: { column: name },
    })
  }
}

function clampIndex(index: number, length: number): number {
  if (index < 0) return Math.max(0, length + index)
  return Math.min(index, length)
}

/** The union of schemas: fields in first-seen order, types widened, missing fields nullable. */
export function mergeSchemas(schemas: readonly Field[][]): Field[] {
  const merged = new Map<string, Field>()
  const counts = new Map<string, number>()
  for (const schema of schemas) {
    for (const field of schema) {
      const seen = merged.get(field.name)
      counts.set(field.name, (counts.get(field.name) ?? 0) + 1)
      if (!seen) merged.set(field.name, { ...field })
      else {
        seen.type = seen.type === field.type ? seen.type : widenType(seen.type, field.type)
        seen.nullable ||= field.nullable
      }
    }
  }
  for (const [name, field] of merged) if ((counts.get(name) ?? 0) < schemas.length) field.nullable = true
  return [...merged.values()]
}
