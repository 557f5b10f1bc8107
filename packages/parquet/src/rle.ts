/**
 * Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary indices, RLE
 * booleans), decoded resumably: each read continues where the last one stopped, so a page is
 * decoded batch by batch. Width-1 runs go straight into Arrow bitmaps (a bit-packed run of width 1
 * is already one: least significant bit first).
 */
export class HybridDecoder {
  readonly #bytes: Uint8Array
  readonly #width: number
  readonly #end: number
  readonly #mask: number
  #pos: number
  #rleLeft = 0
  #rleValue = 0
  #packedLeft = 0
  /** Absolute bit position of the next bit-packed value. */
  #bit = 0

  /** Reads `bytes[start, end)` holding values of `width` bits (0 to 32). */
  constructor(bytes: Uint8Array, start: number, end: number, width: number) {
    if (end > bytes.length || start > end || start < 0)
      throw new Error(`encoded run [${start}, ${end}) lies outside the page`)
    if (!(width >= 0 && width <= 32)) throw new Error(`bit width ${width} is not between 0 and 32`)
    this.#bytes = bytes
    this.#pos = start
    this.#end = end
    this.#width = width
    this.#mask = width === 32 ? -1 : (1 << width) - 1
  }

  /** Fills `out[at, at + n)` with the next `n` values; returns the largest value read. */
  read(out: Int32Array | Uint8Array, at: number, n: number): number {
    let max = 0
    if (this.#width === 0) {
      out.fill(0, at, at + n)
      return 0
    }
    let i = at
    const stop = at + n
    while (i < stop) {
      if (this.#rleLeft > 0) {
        const k = Math.min(this.#rleLeft, stop - i)
        out.fill(this.#rleValue, i, i + k)
        if (this.#rleValue > max) max = this.#rleValue
        this.#rleLeft -= k
        i += k
      } else if (this.#packedLeft > 0) {
        const k = Math.min(this.#packedLeft, stop - i)
        const m = this.#unpack(out, i, k)
        if (m > max) max = m
        this.#packedLeft -= k
        i += k
      } else this.#header()
    }
    return max
  }

  /**
   * Width 1 only: writes the next `n` values as bits `[at, at + n)` of `bitmap` (whose bits there
   * are clear) and returns how many were 1.
   */
  readBits(bitmap: Uint8Array, at: number, n: number): number {
    let ones = 0
    let i = at
    const stop = at + n
    const bytes = this.#bytes
    while (i < stop) {
      if (this.#rleLeft > 0) {
        const k = Math.min(this.#rleLeft, stop - i)
        if (this.#rleValue !== 0) {
          setBits(bitmap, i, k)
          ones += k
        }
        this.#rleLeft -= k
        i += k
      } else if (this.#packedLeft > 0) {
        const k = Math.min(this.#packedLeft, stop - i)
        ones += copyBits(bitmap, i, bytes, this.#bit, k)
        this.#bit += k
        this.#packedLeft -= k
        i += k
      } else this.#header()
    }
    return ones
  }

  /** Skips `n` values. */
  skip(n: number): void {
    let left = n
    while (left > 0) {
      if (this.#rleLeft > 0) {
        const k = Math.min(this.#rleLeft, left)
        this.#rleLeft -= k
        left -= k
      } else if (this.#packedLeft > 0) {
        const k = Math.min(this.#packedLeft, left)
        this.#bit += k * this.#width
        this.#packedLeft -= k
        left -= k
      } else this.#header()
    }
  }

  /** Unpacks `k` bit-packed values into `out[at, at + k)`; returns the largest. */
  #unpack(out: Int32Array | Uint8Array, at: number, k: number): number {
    const bytes = this.#bytes
    const width = this.#width
    const mask = this.#mask
    let bit = this.#bit
    let max = 0
    let j = 0
    if (width <= 24) {
      // four bytes hold any value of up to 24 bits at any bit offset; the last values of the page
      // take the careful path so no read goes past its end
      const safeEnd = (this.#end - 4) * 8
      const fast = bit > safeEnd ? 0 : Math.min(k, Math.floor((safeEnd - bit) / width) + 1)
      if (fast > 0) {
        max = unpackFast(bytes, bit, width, mask, out, at, fast)
        bit += fast * width
        j = fast
      }
    }
    for (; j < k; j++, bit += width) {
      const v = this.#slow(bit)
      out[at + j] = v
      if (v > max) max = v
    }
    this.#bit = bit
    return max
  }

  /** The value at bit `bit`, byte by byte. */
  #slow(bit: number): number {
    const bytes = this.#bytes
    const width = this.#width
    let value = 0
    let got = 0
    let b = bit
    while (got < width) {
      const shift = b & 7
      const take = Math.min(8 - shift, width - got)
      const byte = b >>> 3 < this.#end ? (bytes[b >>> 3] as number) : 0
      value += ((byte >>> shift) & ((1 << take) - 1)) * 2 ** got
      got += take
      b += take
    }
    return value | 0
  }

  #header(): void {
    const bytes = this.#bytes
    let header = 0
    let shift = 0
    for (;;) {
      if (this.#pos >= this.#end) throw new Error('encoded values end before the rows the page promises')
      const b = bytes[this.#pos++] as number
      header += (b & 0x7f) * 2 ** shift
      if (b < 0x80) break
      shift += 7
      if (shift > 35) throw new Error('run header is longer than 5 bytes')
    }
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2)
      const width = this.#width
      this.#bit = this.#pos * 8
      // the last run may be cut short of whole groups: only the values actually present count
      const available = Math.floor(((this.#end - this.#pos) * 8) / width)
      this.#packedLeft = Math.min(groups * 8, available)
      if (this.#packedLeft === 0) throw new Error('bit-packed run lies outside the page')
      this.#pos = Math.min(this.#end, this.#pos + groups * width)
    } else {
      this.#rleLeft = header / 2
      if (this.#rleLeft === 0) throw new Error('run of zero values')
      const width = (this.#width + 7) >>> 3
      if (this.#pos + width > this.#end) throw new Error('run-length value lies outside the page')
      let value = 0
      for (let k = 0; k < width; k++) value += (bytes[this.#pos++] as number) * 2 ** (8 * k)
      if (value > this.#mask >>> 0) throw new Error(`run value ${value} does not fit in ${this.#width} bits`)
      this.#rleValue = value | 0
    }
  }
}

/**
 * `n` values of `width` (at most 24) bits from bit `bit` of `bytes` into `out[at, at + n)`, each
 * read as a 4-byte word (the caller keeps those words inside the encoded run); returns the
 * largest. Its own function, with no cold path: the optimizing compiler keeps it optimized (a
 * rarely taken branch in the same loop made it fall back to slower code at every page end).
 */
function unpackFast(
  bytes: Uint8Array,
  bit: number,
  width: number,
  mask: number,
  out: Int32Array | Uint8Array,
  at: number,
  n: number,
): number {
  let max = 0
  let b = bit
  for (let j = 0; j < n; j++, b += width) {
    const p = b >>> 3
    const v =
      (((bytes[p] as number) |
        ((bytes[p + 1] as number) << 8) |
        ((bytes[p + 2] as number) << 16) |
        ((bytes[p + 3] as number) << 24)) >>>
        (b & 7)) &
      mask
    out[at + j] = v
    if (v > max) max = v
  }
  return max
}

/**
 * `count` whole bytes into `dst` from byte `q`, taken from `src` from bit `srcBit`; returns the
 * set bits. The bulk of {@link copyBits}, in its own function so it stays optimized (see
 * {@link unpackFast}).
 */
function copyBytes(dst: Uint8Array, q: number, src: Uint8Array, srcBit: number, count: number): number {
  let ones = 0
  let p = srcBit >>> 3
  const shift = srcBit & 7
  const end = q + count
  if (shift === 0) {
    for (; q < end; q++, p++) {
      const byte = src[p] as number
      dst[q] = byte
      ones += POPCOUNT[byte] as number
    }
    return ones
  }
  const back = 8 - shift
  for (; q < end; q++, p++) {
    const byte = (((src[p] as number) >>> shift) | ((src[p + 1] as number) << back)) & 0xff
    dst[q] = byte
    ones += POPCOUNT[byte] as number
  }
  return ones
}

/** Sets bits `[at, at + n)` of `bitmap`. */
export function setBits(bitmap: Uint8Array, at: number, n: number): void {
  let i = at
  const stop = at + n
  while (i < stop && (i & 7) !== 0) {
    bitmap[i >>> 3] = (bitmap[i >>> 3] as number) | (1 << (i & 7))
    i++
  }
  const wholeEnd = stop & ~7
  if (i < wholeEnd) {
    bitmap.fill(0xff, i >>> 3, wholeEnd >>> 3)
    i = wholeEnd
  }
  for (; i < stop; i++) bitmap[i >>> 3] = (bitmap[i >>> 3] as number) | (1 << (i & 7))
}

const POPCOUNT = new Uint8Array(256)
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + (POPCOUNT[i >>> 1] as number)

/**
 * ORs `n` bits of `src` from bit `srcBit` into `dst` from bit `dstBit` (whose bits are clear);
 * returns how many were set.
 */
export function copyBits(
  dst: Uint8Array,
  dstBit: number,
  src: Uint8Array,
  srcBit: number,
  n: number,
): number {
  let ones = 0
  let d = dstBit
  let s = srcBit
  const stop = dstBit + n
  // single bits until the destination is byte-aligned
  while (d < stop && (d & 7) !== 0) {
    const b = ((src[s >>> 3] as number) >>> (s & 7)) & 1
    dst[d >>> 3] = (dst[d >>> 3] as number) | (b << (d & 7))
    ones += b
    d++
    s++
  }
  const wholeEnd = stop & ~7
  if (d < wholeEnd) {
    const bytes = (wholeEnd - d) >>> 3
    ones += copyBytes(dst, d >>> 3, src, s, bytes)
    d += bytes * 8
    s += bytes * 8
  }
  for (; d < stop; d++, s++) {
    const b = ((src[s >>> 3] as number) >>> (s & 7)) & 1
    dst[d >>> 3] = (dst[d >>> 3] as number) | (b << (d & 7))
    ones += b
  }
  return ones
}
