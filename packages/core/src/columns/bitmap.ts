/**
 * Bitmaps as Apache Arrow lays them out: bit `i` is bit `i % 8` (least significant first) of byte
 * `i >> 3`. Validity bitmaps use 1 for a valid (non-null) slot; boolean columns store their values
 * the same way.
 */

/** Bytes needed for `length` bits. */
export function bitmapBytes(length: number): number {
  return (length + 7) >>> 3
}

/** A bitmap of `length` bits, all set when `fill` is true (bits past `length` stay clear). */
export function allocBitmap(length: number, fill = false): Uint8Array {
  const bytes = new Uint8Array(bitmapBytes(length))
  if (fill && length > 0) {
    bytes.fill(0xff)
    const tail = length & 7
    if (tail !== 0) bytes[bytes.length - 1] = (1 << tail) - 1
  }
  return bytes
}

/** Bit `i` of `bitmap` (0 or 1). */
export function getBit(bitmap: Uint8Array, i: number): number {
  return ((bitmap[i >>> 3] as number) >>> (i & 7)) & 1
}

/** Sets bit `i`. */
export function setBit(bitmap: Uint8Array, i: number): void {
  bitmap[i >>> 3] = (bitmap[i >>> 3] as number) | (1 << (i & 7))
}

/** Clears bit `i`. */
export function clearBit(bitmap: Uint8Array, i: number): void {
  bitmap[i >>> 3] = (bitmap[i >>> 3] as number) & ~(1 << (i & 7))
}

const POPCOUNT = new Uint8Array(256)
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + (POPCOUNT[i >>> 1] as number)

/** The number of set bits among the first `length` bits. */
export function countSetBits(bitmap: Uint8Array, length: number): number {
  const whole = length >>> 3
  let count = 0
  for (let b = 0; b < whole; b++) count += POPCOUNT[bitmap[b] as number] as number
  const tail = length & 7
  if (tail !== 0) count += POPCOUNT[(bitmap[whole] as number) & ((1 << tail) - 1)] as number
  return count
}

/**
 * Bits `[start, end)` as a bitmap starting at bit 0: a view when `start` is a multiple of 8 (bits
 * past the end are never read), otherwise a shifted copy.
 */
export function sliceBitmap(bitmap: Uint8Array, start: number, end: number): Uint8Array {
  const length = end - start
  if ((start & 7) === 0) {
    const from = start >>> 3
    return bitmap.subarray(from, from + bitmapBytes(length))
  }
  return copyBits(bitmap, start, length)
}

/** Copies `length` bits of `src` starting at bit `start` into a new bitmap starting at bit 0. */
export function copyBits(src: Uint8Array, start: number, length: number): Uint8Array {
  const out = new Uint8Array(bitmapBytes(length))
  writeBits(out, 0, src, start, length)
  return out
}

/** Writes `length` bits of `src` from bit `srcStart` into `dst` from bit `dstStart`. */
export function writeBits(
  dst: Uint8Array,
  dstStart: number,
  src: Uint8Array,
  srcStart: number,
  length: number,
): void {
  if ((dstStart & 7) === 0 && (srcStart & 7) === 0) {
    const whole = length >>> 3
    dst.set(src.subarray(srcStart >>> 3, (srcStart >>> 3) + whole), dstStart >>> 3)
    for (let i = whole * 8; i < length; i++) {
      if (getBit(src, srcStart + i)) setBit(dst, dstStart + i)
      else clearBit(dst, dstStart + i)
    }
    return
  }
  const shift = srcStart & 7
  let i = 0
  if ((dstStart & 7) === 0 && length >= 8) {
    // byte-aligned destination: assemble each output byte from two source bytes
    const whole = length >>> 3
    let s = srcStart >>> 3
    let d = dstStart >>> 3
    for (let b = 0; b < whole; b++, s++, d++) {
      dst[d] = (((src[s] as number) >>> shift) | ((src[s + 1] ?? 0) << (8 - shift))) & 0xff
    }
    i = whole * 8
  }
  for (; i < length; i++) {
    if (getBit(src, srcStart + i)) setBit(dst, dstStart + i)
    else clearBit(dst, dstStart + i)
  }
}

/** The bits whose `mask` entry is truthy, packed into a new bitmap of `count` bits. */
export function filterBitmap(bitmap: Uint8Array, mask: ArrayLike<unknown>, count: number): Uint8Array {
  const out = new Uint8Array(bitmapBytes(count))
  let j = 0
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      if (((bitmap[i >>> 3] as number) >>> (i & 7)) & 1)
        out[j >>> 3] = (out[j >>> 3] as number) | (1 << (j & 7))
      j++
    }
  }
  return out
}

/**
 * Unpacks the first `length` bits into one byte per bit (0 or 1), into `out` when given.
 */
export function unpackBits(bitmap: Uint8Array, length: number, out = new Uint8Array(length)): Uint8Array {
  const whole = length >>> 3
  for (let b = 0, i = 0; b < whole; b++, i += 8) {
    const byte = bitmap[b] as number
    out[i] = byte & 1
    out[i + 1] = (byte >>> 1) & 1
    out[i + 2] = (byte >>> 2) & 1
    out[i + 3] = (byte >>> 3) & 1
    out[i + 4] = (byte >>> 4) & 1
    out[i + 5] = (byte >>> 5) & 1
    out[i + 6] = (byte >>> 6) & 1
    out[i + 7] = (byte >>> 7) & 1
  }
  for (let i = whole * 8; i < length; i++) out[i] = getBit(bitmap, i)
  return out
}

/** Packs one byte per value (non-zero = set) into a bitmap. */
export function packBits(values: ArrayLike<unknown>, length = values.length): Uint8Array {
  const out = new Uint8Array(bitmapBytes(length))
  for (let i = 0; i < length; i++) if (values[i]) out[i >>> 3] = (out[i >>> 3] as number) | (1 << (i & 7))
  return out
}

/**
 * A growable bitmap, appended bit by bit. `finish()` returns the bits written (a view, trimmed to
 * whole bytes).
 */
export class BitmapBuilder {
  #bytes: Uint8Array
  #length = 0
  #set = 0

  constructor(capacity = 1024) {
    this.#bytes = new Uint8Array(bitmapBytes(Math.max(8, capacity)))
  }

  /** Bits appended so far. */
  get length(): number {
    return this.#length
  }

  /** Set bits appended so far. */
  get setCount(): number {
    return this.#set
  }

  /** Appends one bit. */
  append(bit: boolean | number): void {
    const i = this.#length++
    if (i >>> 3 >= this.#bytes.length) this.#grow(i + 1)
    if (bit) {
      this.#bytes[i >>> 3] = (this.#bytes[i >>> 3] as number) | (1 << (i & 7))
      this.#set++
    }
  }

  /** Appends `n` copies of `bit`. */
  appendMany(bit: boolean, n: number): void {
    if (n <= 0) return
    const start = this.#length
    this.#length += n
    if (bitmapBytes(this.#length) > this.#bytes.length) this.#grow(this.#length)
    if (!bit) return
    for (let i = start; i < this.#length; i++) setBit(this.#bytes, i)
    this.#set += n
  }

  /** The bits written, and the builder reset. */
  finish(): Uint8Array {
    const out = this.#bytes.subarray(0, bitmapBytes(this.#length))
    this.#bytes = new Uint8Array(8)
    this.#length = 0
    this.#set = 0
    return out
  }

  #grow(bits: number): void {
    const next = new Uint8Array(Math.max(bitmapBytes(bits), this.#bytes.length * 2))
    next.set(this.#bytes)
    this.#bytes = next
  }
}
