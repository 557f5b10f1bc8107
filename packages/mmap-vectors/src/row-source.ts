import type { CacheStats } from '@sd/core'

/**
 * How a backend hands out rows. Callers check bounds first: every method assumes its rows exist.
 */
export interface RowSource {
  readonly kind: 'mmap' | 'pread'
  /** True when {@link RowSource.rows} returns views of the file's memory rather than copies. */
  readonly zeroCopy: boolean
  /** Row `i`. */
  row(i: number): Float32Array
  /** Rows `[start, start + count)` as one array of `count * dimension` values. */
  rows(start: number, count: number): Float32Array
  /** The same as {@link RowSource.rows}, reading on the thread pool where the backend reads at all. */
  rowsAsync(start: number, count: number): Promise<Float32Array> | Float32Array
  /** Copies rows `[start, start + count)` into `out` from index 0. */
  readRowsInto(start: number, count: number, out: Float32Array): void
  /** Copies row `i` into `out` at `outOffset`. */
  readInto(i: number, out: Float32Array, outOffset: number): void
  /** A hint: rows `[start, end)` will be read soon, in order. */
  willNeed(start: number, end: number): void
  /** A hint: rows `[start, end)` were read and need not stay resident. */
  release(start: number, end: number): void
  /** Rows from `from` on were written (an append): drop anything cached about them. */
  invalidate(from: number): void
  /** Page cache figures, for the backend that has one. */
  cacheStats(): CacheStats | undefined
  /** Releases mappings and caches (the caller closes the file). */
  close(): void
}

/** What a backend needs to know about the file. */
export interface RowGeometry {
  dimension: number
  rowBytes: number
  dataOffset: number
}
