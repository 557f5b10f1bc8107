import { maskCount } from './columns/base.js'
import { type ColumnData, type ColumnValues, fieldOf } from './columns/column-data.js'
import { concatColumnData } from './columns/concat.js'
import { estimateRowBytes } from './columns/estimate.js'
import { columnFromValues } from './columns/from-values.js'
import { toColumnData } from './columns/to-column.js'
import { ValidationError } from './errors.js'
import { buildRows } from './row-factory.js'
import { type Column, type Field, inferSchemaFromRows, widenType } from './schema.js'

/** A row object: column name to value. */
export type Row = Record<string, unknown>

const BRAND = Symbol.for('@sd/core/RecordBatch')

/**
 * A batch of rows, columnar inside, in the Apache Arrow layout: fixed-width values in typed
 * arrays with a validity bitmap beside them when a null exists, strings as offsets + bytes,
 * vectors as one flat `Float32Array`. A batch made from columns builds row objects only when
 * {@link RecordBatch.rows} is called (then caches them); a batch made from rows lays out a column
 * only when that column is asked for.
 *
 * @example
 * ```ts
 * const batch = RecordBatch.fromColumns({ id: Int32Array.of(1, 2, 3), name: ['a', null, 'c'] })
 * batch.column('id')          // Int32Array [1, 2, 3]
 * batch.column('name')        // ['a', null, 'c']
 * batch.data('name').nullCount // 1
 * batch.rows()[1]             // { id: 2, name: null }
 * batch.filter(Uint8Array.of(1, 0, 1)).numRows // 2
 * ```
 */
export class RecordBatch<R extends Row = Row> implements Iterable<R> {
  /** Number of rows. */
  readonly numRows: number
  readonly #schema: Field[]
  readonly #index: Map<string, number>
  readonly #columns: (ColumnData | undefined)[]
  readonly #fromRows: boolean
  #rows: R[] | undefined
  #byteSize: number | undefined

  private constructor(
    numRows: number,
    schema: Field[],
    columns: (ColumnData | undefined)[],
    rows: R[] | undefined,
  ) {
    this.numRows = numRows
    this.#schema = schema
    this.#index = indexNames(schema)
    this.#columns = columns
    this.#rows = rows
    this.#fromRows = rows !== undefined
    Object.defineProperty(this, BRAND, { value: true })
  }

  /**
   * A batch over columns of equal length: {@link ColumnData} in sd's layout, typed arrays (no
   * nulls) or plain arrays of values. Without `schema`, types are inferred from the columns; with
   * it, its order is the column order, its names must match the columns, and plain arrays are laid
   * out as its types say.
   */
  static fromColumns<R extends Row = Row>(columns: Record<string, Column>, schema?: Field[]): RecordBatch<R> {
    const names = Object.keys(columns)
    if (schema) {
      const given = new Set(names)
      const wanted = new Set(schema.map((f) => f.name))
      if (given.size !== wanted.size || names.some((n) => !wanted.has(n)) || wanted.size !== schema.length) {
        throw new ValidationError(
          `Schema and columns differ: schema names [${schema.map((f) => f.name).join(', ')}], columns [${names.join(', ')}]`,
          { code: 'SCHEMA_MISMATCH' },
        )
      }
    }
    const fields: Field[] = []
    const data: ColumnData[] = []
    for (const field of schema ?? names.map((name) => ({ name }) as Field)) {
      const input = columns[field.name] as Column
      const laid = toColumnData(field.name, input, schema ? field : undefined)
      data.push(laid)
      fields.push(schema ? field : fieldOf(field.name, laid))
    }
    return RecordBatch.fromData<R>(fields, data)
  }

  /**
   * A batch over columns already in sd's layout, one per field in order (what loaders and worker
   * messages use: no inference, no conversion). Lengths must agree and names be distinct.
   */
  static fromData<R extends Row = Row>(schema: Field[], columns: readonly ColumnData[]): RecordBatch<R> {
    if (schema.length !== columns.length) {
      throw new ValidationError(`Expected ${schema.length} columns for the schema, got ${columns.length}`, {
        code: 'SCHEMA_MISMATCH',
      })
    }
    let numRows = -1
    columns.forEach((column, j) => {
      if (numRows === -1) numRows = column.length
      else if (column.length !== numRows) {
        const name = (schema[j] as Field).name
        throw new ValidationError(
          `Columns must have equal lengths: expected ${numRows} rows, column "${name}" has ${column.length}`,
          { code: 'COLUMN_LENGTH_MISMATCH', location: { column: name } },
        )
      }
    })
    return new RecordBatch<R>(Math.max(numRows, 0), schema, [...columns], undefined)
  }

  /** A batch over row objects. Without `schema`, it is inferred from the keys and values of the rows. */
  static fromRows<R extends Row = Row>(rows: R[], schema?: Field[]): RecordBatch<R> {
    const fields = schema ?? inferSchemaFromRows(rows)
    return new RecordBatch<R>(rows.length, fields, new Array(fields.length).fill(undefined), rows)
  }

  /** A batch with no rows. */
  static empty<R extends Row = Row>(schema: Field[] = []): RecordBatch<R> {
    return new RecordBatch<R>(
      0,
      schema,
      schema.map((f) => columnFromValues([], f)),
      undefined,
    )
  }

  /** True for a `RecordBatch`, also one made by another copy of this package. */
  static isRecordBatch(value: unknown): value is RecordBatch {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }

  /**
   * Joins batches end to end. Columns are matched by name; a column missing from some batches is
   * null there; columns of one layout are joined buffer by buffer.
   */
  static concat<R extends Row = Row>(batches: readonly RecordBatch<R>[]): RecordBatch<R> {
    if (batches.length === 0) return RecordBatch.empty<R>()
    if (batches.length === 1) return batches[0] as RecordBatch<R>
    const schema = mergeSchemas(batches.map((b) => b.schema))
    if (batches.every((b) => b.#fromRows)) {
      const rows: R[] = []
      for (const batch of batches) for (const row of batch.#rows as R[]) rows.push(row)
      return new RecordBatch<R>(rows.length, schema, new Array(schema.length).fill(undefined), rows)
    }
    const lengths = batches.map((b) => b.numRows)
    const columns = schema.map((field) =>
      concatColumnData(
        batches.map((b) => (b.hasColumn(field.name) ? b.data(field.name) : undefined)),
        lengths,
        field,
      ),
    )
    return new RecordBatch<R>(
      lengths.reduce((a, b) => a + b, 0),
      schema,
      columns,
      undefined,
    )
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
    return this.#index.has(name)
  }

  /** The field of column `name`. Throws a {@link ValidationError} (`UNKNOWN_COLUMN`) if there is none. */
  field(name: string): Field {
    return this.#schema[this.#position(name)] as Field
  }

  /**
   * Column `name` as JS values: the typed array for fixed-width types (null slots hold 0: see
   * {@link RecordBatch.data} for the validity), a `Uint8Array` of 0/1 for booleans, one flat
   * `Float32Array` for vectors, `(string | null)[]` for strings (decoded once per batch), a plain
   * array for JSON. Throws a {@link ValidationError} (`UNKNOWN_COLUMN`) naming the columns that exist.
   */
  column(name: string): ColumnValues {
    return this.data(name).toValues()
  }

  /** Column `name` in sd's Arrow layout: values, validity bitmap, offsets and bytes. */
  data(name: string): ColumnData {
    const j = this.#position(name)
    const existing = this.#columns[j]
    if (existing !== undefined) return existing
    const field = this.#schema[j] as Field
    const rows = this.#rows as R[]
    const values: unknown[] = new Array(rows.length)
    for (let i = 0; i < rows.length; i++)
      values[i] = Object.hasOwn(rows[i] as R, name) ? (rows[i] as R)[name] : null
    const column = columnFromValues(values, field)
    this.#columns[j] = column
    return column
  }

  /** Every column in sd's layout, in schema order. */
  columns(): ColumnData[] {
    return this.#schema.map((f) => this.data(f.name))
  }

  /** Every column by name, as {@link RecordBatch.column} gives it (a null-prototype object). */
  toColumns(): Record<string, ColumnValues> {
    const out: Record<string, ColumnValues> = Object.create(null)
    for (const field of this.#schema) out[field.name] = this.column(field.name)
    return out
  }

  /** The rows as objects (`null` for nulls), built on first call and cached. */
  rows(): R[] {
    if (this.#rows) return this.#rows
    this.#rows = buildRows(this.#schema, this.columns(), this.numRows) as R[]
    return this.#rows
  }

  /** Iterates the row objects. */
  [Symbol.iterator](): Iterator<R> {
    return this.rows()[Symbol.iterator]()
  }

  /** A batch with only `names`, in that order. Unknown names throw {@link ValidationError}. */
  select(names: readonly string[]): RecordBatch {
    const fields = names.map((name) => this.field(name))
    return new RecordBatch(
      this.numRows,
      fields,
      names.map((name) => this.data(name)),
      undefined,
    )
  }

  /**
   * Rows `[start, end)`, with negative indexes counting from the end as in `Array.prototype.slice`.
   * Fixed-width values, offsets and bytes are zero-copy views.
   */
  slice(start = 0, end = this.numRows): RecordBatch<R> {
    const s = clampIndex(start, this.numRows)
    const e = Math.max(s, clampIndex(end, this.numRows))
    if (s === 0 && e === this.numRows) return this
    const columns = this.#columns.map((c) => c?.slice(s, e))
    const rows = this.#rows?.slice(s, e)
    const batch = new RecordBatch<R>(e - s, this.#schema, columns, this.#fromRows ? rows : undefined)
    if (!this.#fromRows && rows) batch.#rows = rows
    return batch
  }

  /** The rows whose mask entry is true (or non-zero). The mask must have one entry per row. */
  filter(mask: Uint8Array | readonly boolean[]): RecordBatch<R> {
    if (mask.length !== this.numRows) {
      throw new ValidationError(
        `Filter mask length must equal the row count: expected ${this.numRows}, got ${mask.length}`,
        { code: 'MASK_LENGTH_MISMATCH' },
      )
    }
    const count = maskCount(mask)
    if (count === this.numRows) return this
    if (this.#fromRows) {
      const rows = this.#rows as R[]
      return new RecordBatch<R>(
        count,
        this.#schema,
        new Array(this.#schema.length).fill(undefined),
        rows.filter((_, i) => mask[i]),
      )
    }
    const columns = this.#columns.map((c) => c?.filter(mask, count))
    return new RecordBatch<R>(count, this.#schema, columns, undefined)
  }

  /**
   * The batch's memory in bytes: exact (the sum of its buffers) for laid-out columns, an estimate
   * for a batch made from rows and for JSON values. Used by caches and prefetch budgets.
   */
  get byteSize(): number {
    if (this.#byteSize === undefined) {
      if (this.#fromRows) this.#byteSize = estimateRowBytes(this.#rows as R[])
      else {
        let total = 0
        for (const column of this.#columns) total += column?.byteSize ?? 0
        this.#byteSize = total
      }
    }
    return this.#byteSize
  }

  #position(name: string): number {
    const j = this.#index.get(name)
    if (j === undefined) {
      throw new ValidationError(
        `Unknown column "${name}": expected one of [${this.columnNames.join(', ')}]`,
        {
          code: 'UNKNOWN_COLUMN',
          location: { column: name },
        },
      )
    }
    return j
  }
}

function indexNames(schema: readonly Field[]): Map<string, number> {
  const index = new Map<string, number>()
  schema.forEach((field, j) => {
    if (index.has(field.name)) {
      throw new ValidationError(`Column names must be distinct: "${field.name}" appears twice`, {
        code: 'DUPLICATE_COLUMN',
        location: { column: field.name },
      })
    }
    index.set(field.name, j)
  })
  return index
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
        if (seen.type !== field.type) {
          seen.type = widenType(seen.type, field.type)
          delete seen.dimension
        }
        seen.nullable ||= field.nullable
      }
    }
  }
  for (const [name, field] of merged) if ((counts.get(name) ?? 0) < schemas.length) field.nullable = true
  return [...merged.values()]
}
