import { ValidationError } from '../errors.js'
import { ColumnBase, maskCount } from './base.js'

/**
 * Fixed-length float32 vectors (embeddings) as Arrow's FixedSizeList<float32>: one flat
 * `Float32Array` of `length x dimension` values. Row `i` is `values[i * dimension, (i + 1) *
 * dimension)`.
 *
 * @example
 * ```ts
 * const emb = new VectorColumn(Float32Array.of(1, 0, 0, 1), 2)
 * emb.get(1)   // Float32Array [0, 1] (a view)
 * ```
 */
export class VectorColumn extends ColumnBase {
  readonly kind = 'vector' as const
  readonly type = 'vector' as const
  /** All components, row after row. */
  readonly values: Float32Array
  /** Components per row. */
  readonly dimension: number

  constructor(values: Float32Array, dimension: number, validity?: Uint8Array, nullCount?: number) {
    if (!Number.isInteger(dimension) || dimension <= 0 || values.length % dimension !== 0) {
      throw new ValidationError(
        `A vector column needs a positive dimension dividing its ${values.length} values, got ${dimension}`,
        { code: 'INVALID_COLUMN' },
      )
    }
    super(values.length / dimension, validity, nullCount)
    this.values = values
    this.dimension = dimension
  }

  /** Exact bytes of the buffers. */
  get byteSize(): number {
    return this.values.byteLength + this.validityBytes
  }

  /** Row `i` as a view of `values`, or `null`. */
  get(i: number): Float32Array | null {
    if (!this.isValid(i)) return null
    const d = this.dimension
    return this.values.subarray(i * d, i * d + d)
  }

  /** The flat values (null rows hold zeros). */
  toValues(): Float32Array {
    return this.values
  }

  /** Rows `[start, end)`: a view. */
  slice(start: number, end: number): VectorColumn {
    const d = this.dimension
    return new VectorColumn(this.values.subarray(start * d, end * d), d, this.sliceValidity(start, end))
  }

  /** The rows whose `mask` entry is truthy. */
  filter(mask: ArrayLike<unknown>, count = maskCount(mask)): VectorColumn {
    const d = this.dimension
    const out = new Float32Array(count * d)
    for (let i = 0, j = 0; i < mask.length; i++) {
      if (mask[i]) out.set(this.values.subarray(i * d, i * d + d), d * j++)
    }
    return new VectorColumn(out, d, this.filterValidity(mask, count))
  }

  /** The buffers, for a worker's transfer list. */
  buffers(): ArrayBufferView[] {
    return this.validity ? [this.values, this.validity] : [this.values]
  }
}
