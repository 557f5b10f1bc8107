import { invalid } from './errors.js'

/** Vectors as users pass them: one flat `Float32Array` of rows x dimension, or one array per row. */
export type VectorsInput = Float32Array | ArrayLike<number>[] | readonly ArrayLike<number>[]

/**
 * The rows of `input` as one flat `Float32Array` (the input itself when it already is one), checked:
 * every row has `dimension` components (the message names both dimensions and the row). Finiteness
 * is checked where the rows are used (`checkRows`, `checkFinite`). `what` names the input in messages.
 */
export function toRows(input: VectorsInput, dimension: number, what = 'vector'): Float32Array {
  let flat: Float32Array
  if (input instanceof Float32Array) {
    if (input.length % dimension !== 0)
      throw invalid(
        'KNN_DIMENSION_MISMATCH',
        `Expected a flat Float32Array whose length is a multiple of the dimension ${dimension}, got length ${input.length}`,
      )
    flat = input
  } else if (Array.isArray(input)) {
    flat = new Float32Array(input.length * dimension)
    for (let r = 0; r < input.length; r++) {
      const row = input[r] as ArrayLike<number> | undefined
      if (!row || typeof row !== 'object' || typeof row.length !== 'number')
        throw invalid(
          'KNN_BAD_VECTORS',
          `Expected ${what} ${r} to be an array of numbers, got ${typeof row}`,
          r,
        )
      if (row.length !== dimension)
        throw invalid(
          'KNN_DIMENSION_MISMATCH',
          `Expected ${what} ${r} to have dimension ${dimension}, got dimension ${row.length}`,
          r,
        )
      for (let i = 0; i < dimension; i++) {
        const v = row[i]
        if (typeof v !== 'number')
          throw invalid(
            'KNN_BAD_VECTORS',
            `Expected numbers in ${what} ${r}, got ${typeof v} at component ${i}`,
            r,
          )
        flat[r * dimension + i] = v
      }
    }
  } else {
    throw invalid(
      'KNN_BAD_VECTORS',
      `Expected a Float32Array, number[][] or Float32Array[], got ${typeof input}`,
    )
  }
  return flat
}

/** Refuses NaN and Infinity (also values that overflow float32), naming the first bad row. */
export function checkFinite(flat: Float32Array, dimension: number, what = 'vector', firstRow = 0): void {
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i] as number
    // v - v is NaN for NaN and +-Infinity, 0 otherwise
    if (v - v !== 0) {
      const row = Math.floor(i / dimension)
      throw invalid(
        'KNN_NON_FINITE',
        `Expected finite values, got ${v} in ${what} ${firstRow + row} at component ${i % dimension}`,
        firstRow + row,
      )
    }
  }
}

/** One query as a flat `Float32Array` of `dimension` values, checked. */
export function toQuery(query: ArrayLike<number>, dimension: number): Float32Array {
  if (!query || typeof (query as { length?: unknown }).length !== 'number')
    throw invalid('KNN_BAD_VECTORS', `Expected the query to be an array of numbers, got ${typeof query}`)
  if (query.length !== dimension)
    throw invalid(
      'KNN_DIMENSION_MISMATCH',
      `Expected the query to have dimension ${dimension}, got dimension ${query.length}`,
    )
  const q = query instanceof Float32Array ? query : Float32Array.from(query)
  checkFinite(q, dimension, 'query')
  return q
}
