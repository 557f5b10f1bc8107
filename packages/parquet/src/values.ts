import type { Utf8Column } from '@sd/core'
import type { BinaryOut } from './binary-out.js'
import type { BoolOut, FixedOut } from './column-out.js'
import type { DenseBinary } from './delta.js'
import type { HybridDecoder } from './rle.js'

/**
 * Readers of a data page's values, one per encoding and storage. `read(out, pos, m, k)` takes the
 * page's next `k` values (the non-null ones) for rows `[pos, pos + m)` of `out`, whose validity
 * bits for those rows are already set.
 */
export interface ValueReader<O> {
  read(out: O, pos: number, m: number, k: number): void
}

/** Values of `width` bytes end to end (PLAIN, or a page decoded whole). */
export class PlainFixed implements ValueReader<FixedOut> {
  readonly #data: Uint8Array
  readonly #end: number
  #pos: number
  constructor(data: Uint8Array, start: number, end = data.length) {
    this.#data = data
    this.#pos = start
    this.#end = end
  }
  read(out: FixedOut, pos: number, m: number, k: number): void {
    const bytes = k * out.width
    const from = this.#pos
    if (from + bytes > this.#end) throw new Error(`page ends before its ${k} values of ${out.width} bytes`)
    out.bytes.set(this.#data.subarray(from, from + bytes), pos * out.width)
    this.#pos = from + bytes
    out.spread(pos, m, k)
  }
}

/** PLAIN booleans: one bit each. */
export class PlainBool implements ValueReader<BoolOut> {
  readonly #data: Uint8Array
  readonly #endBit: number
  #bit: number
  constructor(data: Uint8Array, start: number, end = data.length) {
    this.#data = data
    this.#bit = start * 8
    this.#endBit = end * 8
  }
  read(out: BoolOut, pos: number, m: number, k: number): void {
    if (this.#bit + k > this.#endBit) throw new Error(`page ends before its ${k} booleans`)
    out.putBits(pos, m, k, this.#data, this.#bit)
    this.#bit += k
  }
}

/** RLE booleans (data pages v2): a 4-byte length, then a width-1 hybrid run. */
export class RleBool implements ValueReader<BoolOut> {
  readonly #decoder: HybridDecoder
  #scratch = new Uint8Array(0)
  constructor(decoder: HybridDecoder) {
    this.#decoder = decoder
  }
  read(out: BoolOut, pos: number, m: number, k: number): void {
    if (k === m) {
      this.#decoder.readBits(out.bits, pos, m)
      return
    }
    const bytes = (k + 7) >>> 3
    if (this.#scratch.length < bytes) this.#scratch = new Uint8Array(bytes)
    else this.#scratch.fill(0, 0, bytes)
    this.#decoder.readBits(this.#scratch, 0, k)
    out.putBits(pos, m, k, this.#scratch, 0)
  }
}

/**
 * PLAIN byte arrays: a 4-byte little-endian length before each value. Each value is checked to
 * lie inside the page and copied into the output's staged bytes as it is read (so the page's
 * memory can be reused), in one pass over the page.
 */
export class PlainBinary implements ValueReader<BinaryOut> {
  readonly #data: Uint8Array
  readonly #end: number
  #pos: number
  /** Rows of the page not read yet (a guide to the bytes the next rows take). */
  #rowsLeft: number
  constructor(data: Uint8Array, start: number, rows: number, end = data.length) {
    this.#data = data
    this.#pos = start
    this.#end = end
    this.#rowsLeft = rows
  }
  read(out: BinaryOut, pos: number, m: number, _k: number): void {
    const start = this.#pos
    // bytes per row of the rest of the page, with a little to spare, so that one reservation
    // holds the output's rows: a batch within one page is one buffer (see BinaryOut.finish)
    const left = Math.max(this.#rowsLeft, m, 1)
    const perRow = Math.max(0, (this.#end - start - 4 * left) / left) * 1.02
    out.reserve(Math.ceil(perRow * (out.length - pos)) + 64)
    this.#pos = copyPlain(this.#data, start, this.#end, out, pos, m)
    this.#rowsLeft -= m
  }
}

/**
 * Rows `[pos, pos + m)` of `out` (their valid ones) from the length-prefixed values at `start` of
 * `data`: each length written at `offsets[row + 1]` and checked to end inside `end`, each value
 * copied to the staged bytes (grown when the reservation runs out). Returns where the values end.
 * (A function of its own, with no cold path after its loop: see `unpackFast` in rle.ts.)
 */
function copyPlain(
  data: Uint8Array,
  start: number,
  end: number,
  out: BinaryOut,
  pos: number,
  m: number,
): number {
  const lengths = out.offsets
  const validity = out.validity
  let target = out.staged as Uint8Array
  const first = out.stagedLength
  let o = first
  let p = start
  for (let i = pos; i < pos + m; i++) {
    if (validity && !(((validity[i >>> 3] as number) >>> (i & 7)) & 1)) continue
    if (p + 4 > end) throw new Error('page ends inside a byte array length')
    const n =
      ((data[p] as number) | ((data[p + 1] as number) << 8) | ((data[p + 2] as number) << 16)) +
      (data[p + 3] as number) * 16777216
    p += 4
    if (p + n > end) throw new Error(`byte array of ${n} bytes runs past the page`)
    lengths[i + 1] = n
    if (o + n > target.length) {
      out.stagedLength = o
      const rows = pos + m - i
      target = out.reserve(n + Math.ceil(((o - first + n) / (i - pos + 1)) * (rows + out.length - pos - m)))
    }
    if (n < 24) for (let b = 0; b < n; b++) target[o + b] = data[p + b] as number
    else target.set(data.subarray(p, p + n), o)
    p += n
    o += n
  }
  out.stagedLength = o
  out.pieces.push({ kind: 'staged', from: pos, to: pos + m, at: first })
  return p
}

/** Byte arrays of a page decoded whole (DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY). */
export class DenseBinaryReader implements ValueReader<BinaryOut> {
  readonly #dense: DenseBinary
  #next = 0
  constructor(dense: DenseBinary) {
    this.#dense = dense
  }
  read(out: BinaryOut, pos: number, m: number, k: number): void {
    const first = this.#next
    const offsets = this.#dense.offsets
    if (first + k > offsets.length - 1) throw new Error(`page holds fewer than ${first + k} values`)
    const lengths = out.offsets
    const validity = out.validity
    let j = first
    for (let i = pos; i < pos + m; i++) {
      if (validity && !(((validity[i >>> 3] as number) >>> (i & 7)) & 1)) continue
      lengths[i + 1] = (offsets[j + 1] as number) - (offsets[j] as number)
      j++
    }
    this.#next = j
    out.pieces.push({ kind: 'dense', from: pos, to: pos + m, offsets, bytes: this.#dense.bytes, first })
  }
}

/** Dictionary indices (RLE_DICTIONARY, PLAIN_DICTIONARY): a bit width byte, then a hybrid run. */
function readIndices(decoder: HybridDecoder, into: Int32Array, at: number, k: number, size: number): void {
  const max = decoder.read(into, at, k)
  if (k > 0 && (max >= size || max < 0)) {
    throw new Error(`dictionary index ${max >>> 0} is outside the dictionary of ${size} values`)
  }
}

/** Dictionary-encoded fixed-width values, looked up into their slots. */
export class DictFixed implements ValueReader<FixedOut> {
  readonly #decoder: HybridDecoder
  /** The dictionary's values as bytes (`size` values of the column's width). */
  readonly #dict: Uint8Array
  readonly #words: Int32Array | undefined
  readonly #size: number
  #indices = new Int32Array(0)
  constructor(decoder: HybridDecoder, dict: Uint8Array, width: number) {
    this.#decoder = decoder
    this.#dict = dict
    this.#size = dict.length / width
    this.#words = width % 4 === 0 ? new Int32Array(dict.buffer, dict.byteOffset, dict.length / 4) : undefined
  }
  read(out: FixedOut, pos: number, m: number, k: number): void {
    if (this.#indices.length < k) this.#indices = new Int32Array(Math.max(k, 1024))
    const idx = this.#indices
    readIndices(this.#decoder, idx, 0, k, this.#size)
    const words = out.words
    const dict = this.#words
    if (words && dict && out.width === 4) {
      for (let j = 0; j < k; j++) words[pos + j] = dict[idx[j] as number] as number
    } else if (words && dict && out.width === 8) {
      for (let j = 0, o = 2 * pos; j < k; j++, o += 2) {
        const d = 2 * (idx[j] as number)
        words[o] = dict[d] as number
        words[o + 1] = dict[d + 1] as number
      }
    } else {
      const w = out.width
      for (let j = 0; j < k; j++) {
        const d = (idx[j] as number) * w
        out.bytes.set(this.#dict.subarray(d, d + w), (pos + j) * w)
      }
    }
    out.spread(pos, m, k)
  }
}

/** Dictionary-encoded byte arrays: the indices are kept (a dictionary column, or gathered at the end). */
export class DictBinary implements ValueReader<BinaryOut> {
  readonly #decoder: HybridDecoder
  readonly #dict: Utf8Column
  constructor(decoder: HybridDecoder, dict: Utf8Column) {
    this.#decoder = decoder
    this.#dict = dict
  }
  read(out: BinaryOut, pos: number, m: number, k: number): void {
    const indices = out.dictIndices()
    readIndices(this.#decoder, indices, pos, k, this.#dict.length)
    if (k !== m) {
      const validity = out.validity as Uint8Array
      let j = pos + k - 1
      for (let i = pos + m - 1; i >= pos; i--) {
        indices[i] = ((validity[i >>> 3] as number) >>> (i & 7)) & 1 ? (indices[j--] as number) : 0
      }
    }
    out.pieces.push({ kind: 'dict', from: pos, to: pos + m, dict: this.#dict })
  }
}
