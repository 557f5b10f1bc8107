/**
 * Rows of float32 vectors that can be read by range, without holding them all in memory: a
 * memory-mapped file, a file read by position, an in-memory array. `@sd/mmap-vectors` implements it
 * and `@sd/knn` searches through it, so neither package depends on the other.
 *
 * @example
 * ```ts
 * const tile = new Float32Array(1024 * source.dimension)
 * for (let start = 0; start < source.length; start += 1024) {
 *   const rows = await source.readRows(start, Math.min(source.length, start + 1024), tile)
 *   // tile[0 .. rows * source.dimension) holds the rows
 * }
 * ```
 */
export interface VectorSource {
  /** Components per vector. */
  readonly dimension: number
  /** Number of vectors (rows) available. */
  readonly length: number
  /**
   * Copies rows `[start, end)` into `out` from index 0, row-major, and returns the number of rows
   * copied (`end` is clipped to `length`). `out` must hold at least `(end - start) * dimension`
   * values. May complete synchronously (memory-mapped sources) or asynchronously (remote sources).
   */
  readRows(start: number, end: number, out: Float32Array): number | Promise<number>
}

/** True when `value` has the shape of a {@link VectorSource}. */
export function isVectorSource(value: unknown): value is VectorSource {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<VectorSource>
  return typeof v.dimension === 'number' && typeof v.length === 'number' && typeof v.readRows === 'function'
}
