import { type ColumnData, fieldOf, isColumnData } from './columns/column-data.js'
import type { DataType, Field, TypedColumn } from './columns/types.js'

export type { DataType, Field, TypedColumn } from './columns/types.js'

/**
 * What `RecordBatch.fromColumns` accepts for a column: a {@link ColumnData} in sd's layout, a typed
 * array (fixed-width values without nulls), or a plain array of JS values (typed by the schema or
 * inferred).
 */
export type Column = ColumnData | TypedColumn | unknown[]

/** True when `column` is a typed array. */
export function isTypedColumn(column: unknown): column is TypedColumn {
  return ArrayBuffer.isView(column) && !(column instanceof DataView)
}

/** The type a typed array stores. */
export function typedArrayType(column: TypedColumn): DataType {
  if (column instanceof Float64Array) return 'float64'
  if (column instanceof Float32Array) return 'float32'
  if (column instanceof Int32Array) return 'int32'
  if (column instanceof BigInt64Array) return 'int64'
  if (column instanceof Uint8Array) return 'uint8'
  if (column instanceof Int8Array) return 'int8'
  if (column instanceof Int16Array) return 'int16'
  if (column instanceof Uint16Array) return 'uint16'
  if (column instanceof Uint32Array) return 'uint32'
  return 'uint64'
}

/** The type of one non-null JS value. */
export function valueType(value: unknown): DataType {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && value <= 2147483647 && value >= -2147483648 ? 'int32' : 'float64'
    case 'bigint':
      return 'int64'
    case 'boolean':
      return 'bool'
    case 'string':
      return 'string'
    case 'object':
      if (value instanceof Date) return 'timestamp'
      if (value instanceof Float32Array) return 'vector'
      if (value instanceof Uint8Array) return 'binary'
      return 'json'
    default:
      return 'json'
  }
}

/** The narrowest type that holds both `a` and `b` (`null` is absorbed). */
export function widenType(a: DataType, b: DataType): DataType {
  if (a === b) return a
  if (a === 'null') return b
  if (b === 'null') return a
  const numeric = (t: DataType) => t === 'int32' || t === 'float64'
  if (numeric(a) && numeric(b)) return 'float64'
  if ((a === 'int32' && b === 'int64') || (a === 'int64' && b === 'int32')) return 'int64'
  return 'json'
}

/** Infers a field from a column: exactly for laid-out and typed columns, by its values for plain arrays. */
export function inferField(name: string, column: Column): Field {
  if (isColumnData(column)) return fieldOf(name, column)
  if (isTypedColumn(column)) return { name, type: typedArrayType(column), nullable: false }
  const acc = new FieldAccumulator()
  for (const value of column) {
    acc.add(value)
    if (acc.type === 'json') break
  }
  return acc.field(name, acc.count)
}

/** Widens a type over values one at a time, tracking nulls and a common vector dimension. */
class FieldAccumulator {
  type: DataType = 'null'
  nullable = false
  count = 0
  /** The vectors' common length; -1 once two lengths differ. */
  dimension: number | undefined

  add(value: unknown): void {
    this.count++
    if (value === null || value === undefined) {
      this.nullable = true
      return
    }
    const t = valueType(value)
    this.type = widenType(this.type, t)
    if (t === 'vector') {
      const length = (value as Float32Array).length
      this.dimension = this.dimension === undefined || this.dimension === length ? length : -1
    }
  }

  /** The field, nullable also when fewer than `rows` values were seen (keys some rows lack). */
  field(name: string, rows: number): Field {
    // vectors of different lengths have no fixed-size layout: they stay plain values
    const type = this.type === 'vector' && (this.dimension ?? -1) < 0 ? 'json' : this.type
    const field: Field = { name, type, nullable: this.nullable || this.count < rows || type === 'null' }
    if (type === 'vector') field.dimension = this.dimension as number
    return field
  }
}

/** Infers a schema from row objects: the union of their own keys in first-seen order. */
export function inferSchemaFromRows(rows: readonly Record<string, unknown>[]): Field[] {
  const entries = new Map<string, FieldAccumulator>()
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      let entry = entries.get(key)
      if (!entry) {
        entry = new FieldAccumulator()
        entries.set(key, entry)
      }
      entry.add(row[key])
    }
  }
  return [...entries].map(([name, entry]) => entry.field(name, rows.length))
}

/** True when two schemas have the same names, types and nullability, in order. */
export function schemasEqual(a: readonly Field[], b: readonly Field[]): boolean {
  if (a.length !== b.length) return false
  return a.every((f, i) => {
    const g = b[i]
    return g !== undefined && f.name === g.name && f.type === g.type && f.nullable === g.nullable
  })
}
