/**
 * Parquet's delta encodings, decoded a whole page at a time: DELTA_BINARY_PACKED (INT32, INT64),
 * DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (byte arrays), and BYTE_STREAM_SPLIT. Integers are
 * added with wrap-around in 32-bit halves, never as BigInts.
 */

/** A cursor over page bytes. */
interface Cursor {
  data: Uint8Array
  pos: number
  end: number
}

function byte(c: Cursor): number {
  if (c.pos >= c.end) throw new Error('delta-encoded values end early')
  return c.data[c.pos++] as number
}

/** An unsigned varint of up to 32 bits. */
function uvarint(c: Cursor): number {
  let value = 0
  let shift = 0
  for (;;) {
    const b = byte(c)
    value += (b & 0x7f) * 2 ** shift
    if (b < 0x80) break
    shift += 7
    if (shift > 35) throw new Error('varint is too long')
  }
  if (value > 0xffffffff) throw new Error(`varint ${value} does not fit in 32 bits`)
  return value
}

/** A zigzag varint of up to 64 bits, as 32-bit halves (`lo` unsigned, `hi` signed). */
function zigzag64(c: Cursor, out: Int32Array): void {
  let lo = 0
  let hi = 0
  let shift = 0
  for (;;) {
    const b = byte(c)
    const bits = b & 0x7f
    if (shift < 28) lo |= bits << shift
    else if (shift === 28) {
      lo |= bits << 28
      hi |= bits >>> 4
    } else if (shift < 64) hi |= bits << (shift - 32)
    else throw new Error('varint is longer than 64 bits')
    if (b < 0x80) break
    shift += 7
  }
  // zigzag: (u >>> 1) ^ -(u & 1), over 64 bits
  const sign = -(lo & 1)
  out[0] = ((lo >>> 1) | (hi << 31)) ^ sign
  out[1] = (hi >>> 1) ^ sign
}

/** Reads `width` bits at bit `bit` of `data` as 32-bit halves into `out` (`width` up to 64). */
function bitsAt(data: Uint8Array, end: number, bit: number, width: number, out: Int32Array): void {
  let lo = 0
  let hi = 0
  for (let got = 0; got < width; ) {
    const b = bit + got
    const p = b >>> 3
    const shift = b & 7
    const take = Math.min(8 - shift, width - got)
    const v = ((p < end ? (data[p] as number) : 0) >>> shift) & ((1 << take) - 1)
    if (got < 32) {
      lo |= v << got
      if (got + take > 32) hi |= v >>> (32 - got)
    } else hi |= v << (got - 32)
    got += take
  }
  out[0] = lo
  out[1] = hi
}

/**
 * DELTA_BINARY_PACKED values from `start`: `count` values (or the header's count, when less) of
 * `width` 4 or 8 bytes, little-endian in a new buffer. Returns them and where the encoding ends.
 */
export function deltaBinaryPacked(
  data: Uint8Array,
  start: number,
  end: number,
  count: number,
  width: 4 | 8,
): { words: Int32Array; end: number; count: number } {
  const c: Cursor = { data, pos: start, end }
  const blockSize = uvarint(c)
  const miniblocks = uvarint(c)
  const total = uvarint(c)
  if (blockSize === 0 || blockSize % 128 !== 0 || miniblocks === 0 || blockSize % miniblocks !== 0) {
    throw new Error(`delta header has block size ${blockSize} and ${miniblocks} miniblocks`)
  }
  const perMini = blockSize / miniblocks
  if (perMini % 32 !== 0) throw new Error(`delta miniblocks of ${perMini} values`)
  if (total < count) throw new Error(`delta header holds ${total} values where ${count} are needed`)
  const n = count
  const step = width / 4
  const words = new Int32Array(n * step)
  const tmp = new Int32Array(2)
  zigzag64(c, tmp)
  let lo = tmp[0] as number
  let hi = tmp[1] as number
  if (n > 0) {
    words[0] = lo
    if (step === 2) words[1] = hi
  }
  const widths = new Uint8Array(miniblocks)
  let i = 1
  while (i < total) {
    zigzag64(c, tmp)
    const minLo = tmp[0] as number
    const minHi = tmp[1] as number
    for (let m = 0; m < miniblocks; m++) {
      const w = i < total ? byte(c) : 0
      if (w > width * 8) throw new Error(`delta miniblock bit width ${w} exceeds ${width * 8}`)
      widths[m] = w
    }
    for (let m = 0; m < miniblocks && i < total; m++) {
      const w = widths[m] as number
      let bit = c.pos * 8
      const bytes = (perMini * w) / 8
      for (let k = 0; k < perMini && i < total; k++, i++, bit += w) {
        let dLo = 0
        let dHi = 0
        if (w > 0) {
          bitsAt(data, end, bit, w, tmp)
          dLo = tmp[0] as number
          dHi = tmp[1] as number
        }
        if (step === 1) {
          lo = (lo + minLo + dLo) | 0
          if (i < n) words[i] = lo
        } else {
          // 64-bit add of three values in 32-bit halves
          const sumLo = (lo >>> 0) + (minLo >>> 0) + (dLo >>> 0)
          const carry = Math.floor(sumLo / 4294967296)
          lo = sumLo | 0
          hi = (hi + minHi + dHi + carry) | 0
          if (i < n) {
            words[2 * i] = lo
            words[2 * i + 1] = hi
          }
        }
      }
      // a miniblock is stored whole even when its values run out
      c.pos += bytes
      if (c.pos > end && i < n) throw new Error('delta miniblock runs past the page')
    }
  }
  return { words, end: Math.min(c.pos, end), count: total }
}

/** Dense byte arrays: value `i` is `bytes[offsets[i], offsets[i + 1])`. */
export interface DenseBinary {
  offsets: Int32Array
  bytes: Uint8Array
}

/** DELTA_LENGTH_BYTE_ARRAY: the lengths delta-packed, then every value's bytes end to end. */
export function deltaLengthByteArray(
  data: Uint8Array,
  start: number,
  end: number,
  count: number,
): DenseBinary {
  const lengths = deltaBinaryPacked(data, start, end, count, 4)
  const offsets = new Int32Array(count + 1)
  let total = 0
  for (let i = 0; i < count; i++) {
    const length = lengths.words[i] as number
    if (length < 0) throw new Error(`byte array length ${length}`)
    total += length
    offsets[i + 1] = total
  }
  if (lengths.end + total > end) throw new Error('byte array values run past the page')
  return { offsets, bytes: data.subarray(lengths.end, lengths.end + total) }
}

/** DELTA_BYTE_ARRAY: each value is a prefix of the previous one plus a suffix. */
export function deltaByteArray(data: Uint8Array, start: number, end: number, count: number): DenseBinary {
  const prefixes = deltaBinaryPacked(data, start, end, count, 4)
  const suffixes = deltaLengthByteArray(data, prefixes.end, end, count)
  const offsets = new Int32Array(count + 1)
  let total = 0
  for (let i = 0; i < count; i++) {
    const prefix = prefixes.words[i] as number
    const previous = i === 0 ? 0 : (offsets[i] as number) - (offsets[i - 1] as number)
    if (prefix < 0 || prefix > previous) throw new Error(`prefix length ${prefix} exceeds the previous value`)
    total += prefix + (suffixes.offsets[i + 1] as number) - (suffixes.offsets[i] as number)
    offsets[i + 1] = total
  }
  const bytes = new Uint8Array(total)
  for (let i = 0; i < count; i++) {
    const at = offsets[i] as number
    const prefix = prefixes.words[i] as number
    if (prefix > 0) bytes.copyWithin(at, offsets[i - 1] as number, (offsets[i - 1] as number) + prefix)
    bytes.set(
      suffixes.bytes.subarray(suffixes.offsets[i] as number, suffixes.offsets[i + 1] as number),
      at + prefix,
    )
  }
  return { offsets, bytes }
}

/** BYTE_STREAM_SPLIT: byte `b` of every value in stream `b`; back to `count` values of `width` bytes. */
export function byteStreamSplit(
  data: Uint8Array,
  start: number,
  end: number,
  count: number,
  width: number,
): Uint8Array {
  if (end - start < count * width) throw new Error('byte stream split values run past the page')
  const out = new Uint8Array(count * width)
  for (let b = 0; b < width; b++) {
    const stream = start + b * count
    for (let i = 0, o = b; i < count; i++, o += width) out[o] = data[stream + i] as number
  }
  return out
}
