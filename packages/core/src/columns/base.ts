import { countSetBits, filterBitmap, getBit, sliceBitmap } from './bitmap.js'

/**
 * What every column layout shares: a length, an optional validity bitmap (Arrow's: LSB bit order,
 * 1 = valid; absent when no slot is null) and its null count. Fields are public and readonly so a
 * structured clone (a worker message) keeps them; {@link reviveColumn} turns the clone back into a
 * column.
 */
export abstract class ColumnBase {
  /** Number of slots. */
  readonly length: number
  /** Validity bitmap (1 = valid), `undefined` when there are no nulls. */
  readonly validity: Uint8Array | undefined
  /** Number of null slots. */
  readonly nullCount: number

  constructor(length: number, validity: Uint8Array | undefined, nullCount?: number) {
    this.length = length
    const nulls = validity === undefined ? 0 : (nullCount ?? length - countSetBits(validity, length))
    this.validity = nulls === 0 ? undefined : validity
    this.nullCount = nulls
  }

  /** True when slot `i` holds a value (is not null). */
  isValid(i: number): boolean {
    return this.validity === undefined || getBit(this.validity, i) === 1
  }

  /** True when slot `i` is null. */
  isNull(i: number): boolean {
    return !this.isValid(i)
  }

  /** Bytes of the validity bitmap (0 without one). */
  protected get validityBytes(): number {
    return this.validity?.byteLength ?? 0
  }

  /** The validity of slots `[start, end)`. */
  protected sliceValidity(start: number, end: number): Uint8Array | undefined {
    return this.validity === undefined ? undefined : sliceBitmap(this.validity, start, end)
  }

  /** The validity of the slots `mask` keeps. */
  protected filterValidity(mask: ArrayLike<unknown>, count: number): Uint8Array | undefined {
    return this.validity === undefined ? undefined : filterBitmap(this.validity, mask, count)
  }
}

/** The number of truthy entries of a filter mask. */
export function maskCount(mask: ArrayLike<unknown>): number {
  let count = 0
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++
  return count
}
