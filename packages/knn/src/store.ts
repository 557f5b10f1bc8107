import { invalid } from './errors.js'
import { threadKernel } from './kernel.js'
import { tileRowsFor } from './scan.js'

/**
 * Rows in memory, in SharedArrayBuffers so search workers read them without a copy. Capacity grows
 * by doubling; a search in flight keeps the buffers it was given (rows are never rewritten).
 */
export class MemoryVectors {
  vectors: Float32Array
  /**
   * Per row: 1 / |row| (0 for a zero row) under cosine, |row|^2 under euclidean, nothing under dot.
   */
  norms: Float32Array
  /** 1 = live, 0 = removed, per row. */
  live: Uint8Array
  /** Rows stored, removed ones included. */
  rows = 0
  /** Rows not removed. */
  liveCount = 0
  /** The largest squared row norm (euclidean only). */
  maxSquaredNorm = 0

  constructor(
    readonly dimension: number,
    private readonly normKind: 'inverse' | 'squared' | undefined,
    capacity = 1024,
  ) {
    this.vectors = sharedFloats(capacity * dimension)
    this.norms = sharedFloats(capacity)
    this.live = new Uint8Array(new SharedArrayBuffer(capacity))
  }

  private capacity(): number {
    return this.norms.length
  }

  private grow(needed: number): void {
    let capacity = Math.max(1024, this.capacity())
    while (capacity < needed) capacity *= 2
    const vectors = sharedFloats(capacity * this.dimension)
    vectors.set(this.vectors.subarray(0, this.rows * this.dimension))
    const norms = sharedFloats(capacity)
    norms.set(this.norms.subarray(0, this.rows))
    const live = new Uint8Array(new SharedArrayBuffer(capacity))
    live.set(this.live.subarray(0, this.rows))
    this.vectors = vectors
    this.norms = norms
    this.live = live
  }

  /** Room for `n` more rows: the view to fill before {@link MemoryVectors.commit}. */
  reserve(n: number): Float32Array {
    const d = this.dimension
    if (this.rows + n > this.capacity()) this.grow(this.rows + n)
    return this.vectors.subarray(this.rows * d, (this.rows + n) * d)
  }

  /** Counts `n` rows filled in the reserved view, and returns the index of the first. */
  commit(n: number): number {
    const d = this.dimension
    const first = this.rows
    this.live.fill(1, first, first + n)
    if (this.normKind) computeNorms(this.normKind, this.vectors, d, first, first + n, this.norms)
    if (this.normKind === 'squared')
      for (let r = first; r < first + n; r++)
        if ((this.norms[r] as number) > this.maxSquaredNorm) this.maxSquaredNorm = this.norms[r] as number
    this.rows += n
    this.liveCount += n
    return first
  }

  /** Marks a live row removed; false when it already was. */
  remove(index: number): boolean {
    if (this.live[index] === 0) return false
    this.live[index] = 0
    this.liveCount--
    return true
  }

  /** The stored rows (a view, removed rows included). */
  view(): Float32Array {
    return this.vectors.subarray(0, this.rows * this.dimension)
  }
}

function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4))
}

/** Fills `out[start, end)` with the inverse or squared norms of rows `[start, end)` of `vectors`, in kernel tiles. */
export function computeNorms(
  kind: 'inverse' | 'squared',
  vectors: Float32Array,
  dimension: number,
  start: number,
  end: number,
  out: Float32Array,
): void {
  const kernel = threadKernel()
  const T = tileRowsFor(dimension) * 4
  const [tilePtr, normsPtr] = kernel.reserve([T * dimension * 4, T * 4]) as [number, number]
  for (let at = start; at < end; at += T) {
    const n = Math.min(T, end - at)
    kernel.floats(tilePtr, n * dimension).set(vectors.subarray(at * dimension, (at + n) * dimension))
    if (kind === 'inverse') kernel.exports.inverseNorms(tilePtr, n, dimension, normsPtr)
    else kernel.exports.squaredNorms(tilePtr, n, dimension, normsPtr)
    out.set(kernel.floats(normsPtr, n), at)
  }
}

/**
 * Refuses NaN and Infinity (values that overflow float32 included), naming the first bad row, with
 * the kernel's SIMD check over tiles of the rows.
 */
export function checkRows(flat: Float32Array, dimension: number, what = 'vector'): void {
  const kernel = threadKernel()
  const T = tileRowsFor(dimension) * 4 * dimension
  const [ptr] = kernel.reserve([T * 4]) as [number]
  for (let at = 0; at < flat.length; at += T) {
    const n = Math.min(T, flat.length - at)
    kernel.floats(ptr, n).set(flat.subarray(at, at + n))
    const bad = kernel.exports.firstNonFinite(ptr, n)
    if (bad >= 0) {
      const i = at + bad
      const row = Math.floor(i / dimension)
      throw invalid(
        'KNN_NON_FINITE',
        `Expected finite values, got ${flat[i]} in ${what} ${row} at component ${i % dimension}`,
        row,
      )
    }
  }
}
