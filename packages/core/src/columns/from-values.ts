import { ValidationError } from '../errors.js'
import { packBits, setBit } from './bitmap.js'
import { BoolColumn } from './bool.js'
import type { ColumnData } from './column-data.js'
import { FIXED_ARRAYS, FixedColumn, type FixedType, isFixedType, msPerUnit, type TimeUnit } from './fixed.js'
import { JsonColumn } from './json.js'
import type { Field, TypedColumn } from './types.js'
import { Utf8Builder, type Utf8Column } from './utf8.js'
import { VectorColumn } from './vector.js'

const MS_PER_DAY = 86_400_000

/**
 * Lays out plain JS values (`null` or `undefined` for null) as `field` says: typed values with a
 * validity bitmap for fixed widths, bits for booleans, offsets + bytes for strings, one flat
 * array for vectors. A value that does not fit the type is a {@link ValidationError}
 * (`TYPE_MISMATCH`) naming the column and row.
 *
 * @example
 * ```ts
 * columnFromValues([1, null, 3], { name: 'n', type: 'int32', nullable: true })
 * // FixedColumn { values: Int32Array [1, 0, 3], nullCount: 1, ... }
 * ```
 */
export function columnFromValues(values: readonly unknown[], field: Field): ColumnData {
  const { type } = field
  if (isFixedType(type)) return fixedFromValues(values, field, type)
  switch (type) {
    case 'bool':
      return boolFromValues(values, field)
    case 'string':
      return stringsFromValues(values, field)
    case 'binary':
      return binaryFromValues(values, field)
    case 'vector':
      return vectorsFromValues(values, field)
    case 'null':
      return new JsonColumn(
        values.map(() => null),
        'null',
      )
    default:
      return new JsonColumn(values.map((v) => (v === undefined ? null : v)))
  }
}

function mismatch(field: Field, row: number, value: unknown): ValidationError {
  const shown =
    typeof value === 'bigint'
      ? `${value}n`
      : typeof value === 'string'
        ? JSON.stringify(value)
        : String(value)
  return new ValidationError(`Expected a ${field.type} value, got ${typeof value} ${shown.slice(0, 60)}`, {
    code: 'TYPE_MISMATCH',
    location: { column: field.name, row },
  })
}

/** A validity bitmap marking `values`' nulls, or undefined when there are none. */
function validityOf(values: readonly unknown[]): Uint8Array | undefined {
  let validity: Uint8Array | undefined
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) {
      if (!validity) {
        validity = new Uint8Array((values.length + 7) >>> 3)
        for (let k = 0; k < i; k++) setBit(validity, k)
      }
    } else if (validity) setBit(validity, i)
  }
  return validity
}

function fixedFromValues(values: readonly unknown[], field: Field, type: FixedType): FixedColumn {
  const n = values.length
  const out: TypedColumn = new FIXED_ARRAYS[type](n)
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array
  const unit: TimeUnit = (field.unit as TimeUnit | undefined) ?? 'ms'
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (v === null || v === undefined) continue
    out[i] = convertFixed(v, type, big, unit, field, i) as never
  }
  const options =
    type === 'timestamp' ? { unit, ...(field.timezone ? { timezone: field.timezone } : {}) } : {}
  return new FixedColumn(type, out, validityOf(values), options)
}

function convertFixed(
  v: unknown,
  type: FixedType,
  big: boolean,
  unit: TimeUnit,
  field: Field,
  row: number,
): number | bigint {
  if (v instanceof Date) {
    const ms = v.getTime()
    if (type === 'date') return Math.floor(ms / MS_PER_DAY)
    if (type === 'timestamp') return BigInt(Math.round(ms / msPerUnit(unit)))
    throw mismatch(field, row, v)
  }
  if (big) {
    if (typeof v === 'bigint') return v
    if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v)
    throw mismatch(field, row, v)
  }
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'boolean') return v ? 1 : 0
  throw mismatch(field, row, v)
}

function boolFromValues(values: readonly unknown[], field: Field): BoolColumn {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v !== null && v !== undefined && typeof v !== 'boolean' && v !== 0 && v !== 1)
      throw mismatch(field, i, v)
  }
  return new BoolColumn(packBits(values), values.length, validityOf(values))
}

function stringsFromValues(values: readonly unknown[], field: Field): Utf8Column {
  const builder = new Utf8Builder(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) builder.appendNull()
    else if (typeof v === 'string') builder.appendString(v)
    else throw mismatch(field, i, v)
  }
  return builder.finish('string')
}

function binaryFromValues(values: readonly unknown[], field: Field): Utf8Column {
  const builder = new Utf8Builder(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) builder.appendNull()
    else if (v instanceof Uint8Array) builder.appendBytes(v)
    else if (typeof v === 'string') builder.appendString(v)
    else throw mismatch(field, i, v)
  }
  return builder.finish('binary')
}

function vectorsFromValues(values: readonly unknown[], field: Field): VectorColumn {
  let d = field.dimension
  if (d === undefined) {
    for (const v of values) {
      if (v !== null && v !== undefined) {
        d = (v as ArrayLike<number>).length
        break
      }
    }
  }
  const dimension = d ?? 1
  const out = new Float32Array(values.length * dimension)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) continue
    const row = v as ArrayLike<number>
    if ((!ArrayBuffer.isView(row) && !Array.isArray(row)) || row.length !== dimension) {
      throw new ValidationError(
        `Expected a vector of ${dimension} numbers, got ${Array.isArray(row) || ArrayBuffer.isView(row) ? `${row.length} values` : typeof v}`,
        { code: 'TYPE_MISMATCH', location: { column: field.name, row: i } },
      )
    }
    out.set(row, i * dimension)
  }
  return new VectorColumn(out, dimension, validityOf(values))
}
