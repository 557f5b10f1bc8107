import { countSetBits } from '@sd/core'
import type { ByteWriter } from 'hyparquet-writer'

/**
 * Levels and bits for the page encoder: Parquet's RLE / bit-packed hybrid written straight from
 * Arrow bitmaps (a bit-packed run of width 1 is an LSB-first bitmap, byte for byte).
 */

/** Count of set bits in `[a, b)` of `bits` (`a` a multiple of 8). */
export function countSet(bits: Uint8Array, a: number, b: number): number {
  return countSetBits(bits.subarray(a >>> 3), b - a)
}

/**
 * Width-1 levels of rows `[a, b)` (`a` a multiple of 8): one RLE run of ones when every row is
 * valid, else the validity bytes as one bit-packed run.
 */
export function writeBitLevels(
  out: ByteWriter,
  validity: Uint8Array | undefined,
  a: number,
  b: number,
): void {
  const n = b - a
  if (n === 0) return
  if (!validity || countSet(validity, a, b) === n) {
    out.appendVarInt(n * 2)
    out.appendUint8(1)
    return
  }
  const groups = (n + 7) >>> 3
  out.appendVarInt(groups * 2 + 1)
  const start = a >>> 3
  out.appendBytes(validity.subarray(start, start + groups))
  // bits past the last row are padding: clear them
  const tail = n & 7
  if (tail !== 0) {
    const at = out.index - 1
    const view = new Uint8Array(out.buffer)
    view[at] = (view[at] as number) & ((1 << tail) - 1)
  }
}

/** RLE runs of small values (levels up to 255), equal neighbours merged. */
export class RunWriter {
  readonly #out: ByteWriter
  #value = -1
  #count = 0

  constructor(out: ByteWriter) {
    this.#out = out
  }

  push(value: number, count: number): void {
    if (count === 0) return
    if (value === this.#value) {
      this.#count += count
      return
    }
    this.flush()
    this.#value = value
    this.#count = count
  }

  flush(): void {
    if (this.#count > 0) {
      this.#out.appendVarInt(this.#count * 2)
      this.#out.appendUint8(this.#value)
    }
    this.#count = 0
    this.#value = -1
  }
}

/** The `k` set bits of rows `[a, b)` of `bits` whose validity bit is set, packed LSB first. */
export function gatherBits(
  bits: Uint8Array,
  validity: Uint8Array | undefined,
  a: number,
  b: number,
): Uint8Array {
  const out = new Uint8Array((b - a + 7) >>> 3)
  let k = 0
  for (let i = a; i < b; i++) {
    if (validity && !(((validity[i >>> 3] as number) >>> (i & 7)) & 1)) continue
    if (((bits[i >>> 3] as number) >>> (i & 7)) & 1) out[k >>> 3] = (out[k >>> 3] as number) | (1 << (k & 7))
    k++
  }
  return out.subarray(0, (k + 7) >>> 3)
}
