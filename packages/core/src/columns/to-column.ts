import { ValidationError } from '../errors.js'
import { type Column, inferField, isTypedColumn, typedArrayType } from '../schema.js'
import { packBits } from './bitmap.js'
import { BoolColumn } from './bool.js'
import { type ColumnData, isColumnData } from './column-data.js'
import { FixedColumn, isFixedType, type TimeUnit } from './fixed.js'
import { columnFromValues } from './from-values.js'
import type { Field } from './types.js'
import { VectorColumn } from './vector.js'

/**
 * Any accepted column input as {@link ColumnData}, laid out for `field` when one is given
 * (else for the field inferred from it): a typed array becomes a fixed-width column (a
 * `Uint8Array` of 0/1 a bool column, a `Float32Array` a vector column when the field says so), a
 * plain array is laid out value by value.
 */
export function toColumnData(name: string, input: Column, field?: Field): ColumnData {
  if (isColumnData(input)) return field ? conform(input, field) : input
  if (isTypedColumn(input)) {
    const type = field?.type ?? typedArrayType(input)
    if (type === 'bool' && input instanceof Uint8Array) return new BoolColumn(packBits(input), input.length)
    if (type === 'vector' && input instanceof Float32Array) {
      return new VectorColumn(input, field?.dimension ?? input.length)
    }
    if (isFixedType(type) && typedArrayType(input) === fixedStorage(type)) {
      const options = field?.unit === undefined ? {} : { unit: field.unit as TimeUnit }
      return new FixedColumn(type, input, undefined, options)
    }
    return columnFromValues(Array.from(input as ArrayLike<unknown>), field ?? inferField(name, input))
  }
  if (!Array.isArray(input)) {
    throw new ValidationError(`Expected a column (typed array, array or ColumnData), got ${typeof input}`, {
      code: 'INVALID_COLUMN',
      location: { column: name },
    })
  }
  return columnFromValues(input, field ?? inferField(name, input))
}

/** The typed-array type a fixed-width logical type is stored as. */
function fixedStorage(type: string): string {
  if (type === 'date') return 'int32'
  if (type === 'timestamp') return 'int64'
  return type
}

/** `data` read as `field`'s type where the layouts agree (int32 as date...), else re-laid out. */
function conform(data: ColumnData, field: Field): ColumnData {
  if (data.type === field.type) return data
  if (
    data.kind === 'fixed' &&
    isFixedType(field.type) &&
    fixedStorage(field.type) === fixedStorage(data.type)
  ) {
    return data.withType(field.type, field.unit === undefined ? {} : { unit: field.unit as TimeUnit })
  }
  const values: unknown[] = new Array(data.length)
  for (let i = 0; i < data.length; i++) values[i] = data.get(i)
  return columnFromValues(values, field)
}
