/** The logical type of a column. */
export type DataType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'bool'
  | 'string'
  | 'binary'
  | 'timestamp'
  | 'date'
  | 'json'
  | 'vector'
  | 'null'

/** One column's name and type. */
export interface Field {
  /** Column name. */
  name: string
  /** Logical type. */
  type: DataType
  /** Whether the column may hold `null`. */
  nullable: boolean
  /** For `vector` columns: the number of components per row. */
  dimension?: number
}

/** A typed array a numeric column can be stored in. */
export type TypedColumn =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array

/**
 * A column: a typed array for fixed-width numeric data without nulls, or a plain array
 * (strings, nested values, nullable numbers, vectors as `Float32Array` per row).
 */
export type Column = TypedColumn | unknown[]

/** True when `column` is a typed array rather than a plain array. */
export function isTypedColumn(column: Column): column is TypedColumn {
  return ArrayBuffer.isView(column)
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

/** Infers a field from a column's contents (typed arrays exactly; plain arrays by their values). */
export function inferField(name: string, column: Column): Field {
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
    const field: Field = {
      name,
      type: this.type,
      nullable: this.nullable || this.count < rows || this.type === 'null',
    }
    if (this.type === 'vector' && this.dimension !== undefined && this.dimension >= 0)
      field.dimension = this.dimension
    return field
  }
}

/** Infers a schema from row objects: the union of their keys in first-seen order. */
export function inferSchemaFromRows(rows: readonly Record<string, unknown>[]): Field[] {
  const entries = new Map<string, FieldAccumulator>()
  for (const row of rows) {
    for (const key in row) {
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
