import { ColumnBase, maskCount } from './base.js'
import { filterBitmap, getBit, sliceBitmap, unpackBits } from './bitmap.js'

/**
 * Booleans packed one bit per slot (Arrow's Boolean layout: LSB bit order), with nulls in
 * `validity`.
 *
 * @example
 * ```ts
 * const flags = new BoolColumn(packBits([1, 0, 1]), 3)
 * flags.get(0)      // true
 * flags.toValues()  // Uint8Array [1, 0, 1]
 * ```
 */
export class BoolColumn extends ColumnBase {
  readonly kind = 'bool' as const
  readonly type = 'bool' as const
  /** The values, one bit per slot. */
  readonly bits: Uint8Array
  #unpacked: Uint8Array | undefined

  constructor(bits: Uint8Array, length: number, validity?: Uint8Array, nullCount?: number) {
    super(length, validity, nullCount)
    this.bits = bits
  }

  /** Exact bytes of the buffers. */
  get byteSize(): number {
    return this.bits.byteLength + this.validityBytes
  }

  /** `true`, `false` or `null`. */
  get(i: number): boolean | null {
    if (!this.isValid(i)) return null
    return getBit(this.bits, i) === 1
  }

  /** One byte per slot, 0 or 1 (null slots 0), unpacked once and cached. */
  toValues(): Uint8Array {
    this.#unpacked ??= unpackBits(this.bits, this.length)
    return this.#unpacked
  }

  /** Slots `[start, end)`. */
  slice(start: number, end: number): BoolColumn {
    return new BoolColumn(sliceBitmap(this.bits, start, end), end - start, this.sliceValidity(start, end))
  }

  /** The slots whose `mask` entry is truthy. */
  filter(mask: ArrayLike<unknown>, count = maskCount(mask)): BoolColumn {
    return new BoolColumn(filterBitmap(this.bits, mask, count), count, this.filterValidity(mask, count))
  }

  /** The number of `true` slots (nulls not counted). */
  countTrue(): number {
    let n = 0
    const bits = this.bits
    const validity = this.validity
    for (let b = 0, whole = this.length >>> 3; b < whole; b++) {
      let byte = bits[b] as number
      if (validity) byte &= validity[b] as number
      n += popcount8(byte)
    }
    for (let i = this.length & ~7; i < this.length; i++) if (this.get(i) === true) n++
    return n
  }

  /** The buffers, for a worker's transfer list. */
  buffers(): ArrayBufferView[] {
    return this.validity ? [this.bits, this.validity] : [this.bits]
  }
}

function popcount8(byte: number): number {
  byte -= (byte >>> 1) & 0x55
  byte = (byte & 0x33) + ((byte >>> 2) & 0x33)
  return (byte + (byte >>> 4)) & 0x0f
}
