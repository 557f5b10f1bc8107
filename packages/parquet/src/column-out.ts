import { allocBitmap, BoolColumn } from '@sd/core'
import { copyBits, setBits } from './rle.js'

/**
 * The rows of one column for one batch as they are decoded, in the Arrow layout: values land in
 * place (null slots hold 0), validity bits come straight from the definition levels. Page readers
 * append dense (non-null) values for a row range; `spread` moves them to their slots. Byte arrays
 * are in binary-out.ts.
 */

/** A validity bitmap of `length` rows whose first `valid` rows are valid (the rest filled later). */
export function validityFrom(length: number, valid: number): Uint8Array {
  const bitmap = allocBitmap(length)
  setBits(bitmap, 0, valid)
  return bitmap
}

/** Physical types and how they are stored while decoding. */
export type PhysicalType =
  | 'BOOLEAN'
  | 'INT32'
  | 'INT64'
  | 'INT96'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BYTE_ARRAY'
  | 'FIXED_LEN_BYTE_ARRAY'

/** Fixed-width values (every physical type but BOOLEAN and BYTE_ARRAY), `width` bytes each. */
export class FixedOut {
  readonly kind = 'fixed' as const
  readonly length: number
  readonly width: number
  readonly buffer: ArrayBuffer
  readonly bytes: Uint8Array
  /** The values as 32-bit words, when the width is a multiple of 4 (moves never touch floats or bigints). */
  readonly words: Int32Array | undefined
  /** Validity bits; made when the first rows that may be null arrive (see `addValidity`). */
  validity: Uint8Array | undefined
  nulls = 0

  constructor(length: number, width: number, nullable: boolean) {
    this.length = length
    this.width = width
    this.buffer = new ArrayBuffer(length * width)
    this.bytes = new Uint8Array(this.buffer)
    this.words = width % 4 === 0 ? new Int32Array(this.buffer) : undefined
    this.validity = nullable ? allocBitmap(length) : undefined
  }

  /** Gives the output validity bits, its first `valid` rows (filled without any) valid. */
  addValidity(valid: number): void {
    this.validity ??= validityFrom(this.length, valid)
  }

  /**
   * Moves the `k` dense values written at rows `[pos, pos + k)` to the valid slots of rows
   * `[pos, pos + m)`, zeroing the null slots (backwards, in place).
   */
  spread(pos: number, m: number, k: number): void {
    if (k === m) return
    const validity = this.validity as Uint8Array
    const words = this.words
    if (words && this.width === 4) {
      let j = pos + k - 1
      for (let i = pos + m - 1; i >= pos; i--) {
        words[i] = ((validity[i >>> 3] as number) >>> (i & 7)) & 1 ? (words[j--] as number) : 0
      }
    } else if (words && this.width === 8) {
      let j = pos + k - 1
      for (let i = pos + m - 1; i >= pos; i--) {
        if (((validity[i >>> 3] as number) >>> (i & 7)) & 1) {
          words[2 * i] = words[2 * j] as number
          words[2 * i + 1] = words[2 * j + 1] as number
          j--
        } else {
          words[2 * i] = 0
          words[2 * i + 1] = 0
        }
      }
    } else {
      const w = this.width
      const bytes = this.bytes
      let j = pos + k - 1
      for (let i = pos + m - 1; i >= pos; i--) {
        if (((validity[i >>> 3] as number) >>> (i & 7)) & 1) {
          bytes.copyWithin(i * w, j * w, j * w + w)
          j--
        } else bytes.fill(0, i * w, i * w + w)
      }
    }
  }
}

/** Booleans as bits. */
export class BoolOut {
  readonly kind = 'bool' as const
  readonly length: number
  readonly bits: Uint8Array
  validity: Uint8Array | undefined
  nulls = 0

  constructor(length: number, nullable: boolean) {
    this.length = length
    this.bits = allocBitmap(length)
    this.validity = nullable ? allocBitmap(length) : undefined
  }

  /** Gives the output validity bits, its first `valid` rows (filled without any) valid. */
  addValidity(valid: number): void {
    this.validity ??= validityFrom(this.length, valid)
  }

  /** Writes `k` dense bits of `src` (from bit `srcBit`) to the valid slots of rows `[pos, pos + m)`. */
  putBits(pos: number, m: number, k: number, src: Uint8Array, srcBit: number): void {
    if (k === m) {
      copyBits(this.bits, pos, src, srcBit, m)
      return
    }
    const validity = this.validity as Uint8Array
    const bits = this.bits
    let s = srcBit
    for (let i = pos; i < pos + m; i++) {
      if (((validity[i >>> 3] as number) >>> (i & 7)) & 1) {
        if (((src[s >>> 3] as number) >>> (s & 7)) & 1)
          bits[i >>> 3] = (bits[i >>> 3] as number) | (1 << (i & 7))
        s++
      }
    }
  }
}

/** A finished BOOLEAN column. */
export function boolColumn(out: BoolOut): BoolColumn {
  return new BoolColumn(out.bits, out.length, out.validity, out.nulls)
}
