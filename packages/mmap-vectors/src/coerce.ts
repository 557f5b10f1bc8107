import { ValidationError } from '@sd/core'
import type { VectorsInput } from './options.js'

function dimensionMismatch(got: number, expected: number, file: string, index?: number): ValidationError {
  return new ValidationError(`Vector dimension ${got} doesn't match expected dimension ${expected}`, {
    code: 'DIMENSION_MISMATCH',
    location: index === undefined ? { file } : { file, index },
  })
}

/**
 * Vectors to append as one flat float32 array (rows × dimension). A flat `Float32Array` is used
 * as it is; arrays of vectors are copied. Every vector's length is checked before anything is
 * written.
 */
export function toFlatVectors(input: VectorsInput, dimension: number, file: string): Float32Array {
  if (input instanceof Float32Array) {
    if (input.length % dimension !== 0) {
      if (input.length < dimension) throw dimensionMismatch(input.length, dimension, file)
      throw new ValidationError(
        `Expected a flat Float32Array of whole ${dimension}-dimensional vectors, got ${input.length} values (${input.length % dimension} left over)`,
        { code: 'DIMENSION_MISMATCH', location: { file } },
      )
    }
    return input
  }
  if (!Array.isArray(input)) {
    throw new ValidationError(
      `Expected vectors as a Float32Array, number[][] or Float32Array[], got ${describe(input)}`,
      { code: 'INVALID_VECTORS', location: { file } },
    )
  }
  if (input.length > 0 && typeof input[0] === 'number') {
    // one vector as a plain number[]
    if (input.length !== dimension) throw dimensionMismatch(input.length, dimension, file)
    return Float32Array.from(input as readonly number[])
  }
  const rows = input as readonly ArrayLike<number>[]
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    if (row === null || typeof row !== 'object' || typeof row.length !== 'number') {
      throw new ValidationError(`Expected vector ${i} to be an array of numbers, got ${describe(row)}`, {
        code: 'INVALID_VECTORS',
        location: { file, index: i },
      })
    }
    if (row.length !== dimension)
      throw dimensionMismatch(row.length, dimension, file, rows.length > 1 ? i : undefined)
  }
  const out = new Float32Array(rows.length * dimension)
  for (let i = 0; i < rows.length; i++) out.set(rows[i] as ArrayLike<number>, i * dimension)
  return out
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (ArrayBuffer.isView(value)) return (value as object).constructor.name
  return typeof value
}
