import { SdError } from '../errors.js'
import { allocBitmap } from './bitmap.js'
import { BoolColumn } from './bool.js'
import { DictionaryColumn } from './dictionary.js'
import { FIXED_ARRAYS, FixedColumn, isFixedType, type TimeUnit } from './fixed.js'
import { JsonColumn } from './json.js'
import type { Field, TypedColumn } from './types.js'
import { Utf8Column } from './utf8.js'
import { VectorColumn } from './vector.js'

/**
 * A column in one of sd's layouts, all but `json` Apache Arrow's. Narrow on `kind`:
 * `'fixed' | 'bool' | 'utf8' | 'dictionary' | 'vector' | 'json'`.
 */
export type ColumnData = FixedColumn | BoolColumn | Utf8Column | DictionaryColumn | VectorColumn | JsonColumn

/** The JS form `RecordBatch.column()` returns: a typed array, or a plain array of values. */
export type ColumnValues = TypedColumn | unknown[]

/** True for a {@link ColumnData} (any of the layout classes). */
export function isColumnData(value: unknown): value is ColumnData {
  return (
    value instanceof FixedColumn ||
    value instanceof BoolColumn ||
    value instanceof Utf8Column ||
    value instanceof DictionaryColumn ||
    value instanceof VectorColumn ||
    value instanceof JsonColumn
  )
}

/** The field describing `data` under `name` (nullable when it holds a null). */
export function fieldOf(name: string, data: ColumnData, nullable = data.nullCount > 0): Field {
  const field: Field = { name, type: data.type, nullable }
  if (data.kind === 'vector') field.dimension = data.dimension
  if (data.kind === 'fixed' && data.unit !== undefined) {
    field.unit = data.unit
    if (data.timezone !== undefined) field.timezone = data.timezone
  }
  return field
}

/** A column of `length` nulls laid out for `field`. */
export function nullColumn(field: Field, length: number): ColumnData {
  const validity = allocBitmap(length, false)
  const { type } = field
  if (isFixedType(type)) {
    const options = field.unit === undefined ? {} : { unit: field.unit as TimeUnit }
    return new FixedColumn(type, new FIXED_ARRAYS[type](length), validity, { nullCount: length, ...options })
  }
  switch (type) {
    case 'bool':
      return new BoolColumn(allocBitmap(length), length, validity, length)
    case 'string':
    case 'binary':
      return new Utf8Column(type, new Int32Array(length + 1), new Uint8Array(0), validity, length)
    case 'vector': {
      const d = field.dimension ?? 1
      return new VectorColumn(new Float32Array(length * d), d, validity, length)
    }
    default:
      return new JsonColumn(new Array(length).fill(null), type === 'null' ? 'null' : 'json')
  }
}

/**
 * A column rebuilt from a structured clone of one (what a worker message carries): the fields
 * survive the clone, the class does not.
 */
export function reviveColumn(plain: unknown): ColumnData {
  if (isColumnData(plain)) return plain
  const p = plain as Record<string, unknown> & { kind?: unknown }
  const validity = p.validity as Uint8Array | undefined
  const nullCount = p.nullCount as number | undefined
  switch (p.kind) {
    case 'fixed': {
      const options: { nullCount?: number; unit?: TimeUnit; timezone?: string } = {}
      if (nullCount !== undefined) options.nullCount = nullCount
      if (p.unit !== undefined) options.unit = p.unit as TimeUnit
      if (p.timezone !== undefined) options.timezone = p.timezone as string
      return new FixedColumn(p.type as FixedColumn['type'], p.values as TypedColumn, validity, options)
    }
    case 'bool':
      return new BoolColumn(p.bits as Uint8Array, p.length as number, validity, nullCount)
    case 'utf8':
      return new Utf8Column(
        p.type as 'string' | 'binary',
        p.offsets as Int32Array,
        p.bytes as Uint8Array,
        validity,
        nullCount,
      )
    case 'dictionary':
      return new DictionaryColumn(
        p.indices as Int32Array,
        reviveColumn(p.dictionary) as Utf8Column,
        validity,
        nullCount,
      )
    case 'vector':
      return new VectorColumn(p.values as Float32Array, p.dimension as number, validity, nullCount)
    case 'json':
      return new JsonColumn(p.values as unknown[], p.type as 'json' | 'null')
    default:
      throw new SdError(`Expected a column, got an object of kind ${String(p.kind)}`, {
        code: 'INVALID_COLUMN',
      })
  }
}

/** Dictionary-encoded values as a plain {@link Utf8Column} (bytes gathered once). */
export function dictionaryToUtf8(column: DictionaryColumn): Utf8Column {
  const { indices, dictionary } = column
  const n = column.length
  const offsets = new Int32Array(n + 1)
  let total = 0
  for (let i = 0; i < n; i++) {
    if (column.isValid(i)) total += dictionary.valueLength(indices[i] as number)
    offsets[i + 1] = total
  }
  const bytes = new Uint8Array(total)
  for (let i = 0; i < n; i++) {
    if (column.isValid(i)) bytes.set(dictionary.valueBytes(indices[i] as number), offsets[i] as number)
  }
  return new Utf8Column(column.type, offsets, bytes, column.validity, column.nullCount)
}
