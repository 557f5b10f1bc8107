import { isUtf8 } from 'node:buffer'
import { allocBitmap, BoolColumn, DictionaryColumn, Utf8Column } from '@sd/core'
import { copyBits } from './rle.js'

/**
 * The rows of one column for one batch as they are decoded, in the Arrow layout: values land in
 * place (null slots hold 0), validity bits come straight from the definition levels. Page readers
 * append dense (non-null) values for a row range; `spread` moves them to their slots.
 */

/** Bytes of a string column that are not UTF-8 (turned into an `INVALID_UTF8` error where the page is known). */
export class InvalidUtf8 extends Error {
  readonly code = 'INVALID_UTF8'
}

/** Dictionaries already checked to be UTF-8. */
const checkedDictionaries = new WeakSet<Utf8Column>()

/** Throws {@link InvalidUtf8} unless `bytes` are UTF-8 (native check, several GB/s). */
function checkUtf8(bytes: Uint8Array): void {
  if (bytes.length > 0 && !isUtf8(bytes)) throw new InvalidUtf8('string values are not valid UTF-8')
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
  readonly validity: Uint8Array | undefined
  nulls = 0

  constructor(length: number, width: number, nullable: boolean) {
    this.length = length
    this.width = width
    this.buffer = new ArrayBuffer(length * width)
    this.bytes = new Uint8Array(this.buffer)
    this.words = width % 4 === 0 ? new Int32Array(this.buffer) : undefined
    this.validity = nullable ? allocBitmap(length) : undefined
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
  readonly validity: Uint8Array | undefined
  nulls = 0

  constructor(length: number, nullable: boolean) {
    this.length = length
    this.bits = allocBitmap(length)
    this.validity = nullable ? allocBitmap(length) : undefined
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

/** A run of byte-array values whose bytes are copied when the batch is finished. */
type Piece =
  /** PLAIN values: a 4-byte length before each, from `start` of `src`. */
  | { kind: 'plain'; from: number; to: number; src: Uint8Array; start: number }
  /** Dictionary indices (in `BinaryOut.indices`) into `dict`. */
  | { kind: 'dict'; from: number; to: number; dict: Utf8Column }
  /** Dense values `[first, ...)` of a decoded page: `offsets` into `bytes`. */
  | { kind: 'dense'; from: number; to: number; offsets: Int32Array; bytes: Uint8Array; first: number }

/** Byte arrays (strings, binary): lengths as decoded, bytes gathered once at the end. */
export class BinaryOut {
  readonly kind = 'binary' as const
  readonly length: number
  /** Value lengths at `[i + 1]` while decoding; offsets once finished. */
  readonly offsets: Int32Array
  readonly validity: Uint8Array | undefined
  readonly pieces: Piece[] = []
  /** Dictionary indices of rows read from dictionary pages (null slots 0). */
  indices: Int32Array | undefined
  nulls = 0

  constructor(length: number, nullable: boolean) {
    this.length = length
    this.offsets = new Int32Array(length + 1)
    this.validity = nullable ? allocBitmap(length) : undefined
  }

  /** The indices array, made on first use. */
  dictIndices(): Int32Array {
    this.indices ??= new Int32Array(this.length)
    return this.indices
  }

  /**
   * The column: `DictionaryColumn` when every row came from one dictionary and `keepDictionary`
   * says it pays, else `Utf8Column` with the bytes gathered in one buffer of the exact size.
   */
  finish(
    type: 'string' | 'binary',
    keepDictionary: (dict: Utf8Column) => boolean,
  ): Utf8Column | DictionaryColumn {
    const pieces = this.pieces
    const validity = this.validity
    const first = pieces[0]
    if (
      first?.kind === 'dict' &&
      pieces.every((p) => p.kind === 'dict' && p.dict === first.dict) &&
      keepDictionary(first.dict)
    ) {
      // a dictionary kept as one is checked once, however many batches share it
      if (type === 'string' && !checkedDictionaries.has(first.dict)) {
        checkUtf8(first.dict.bytes)
        checkedDictionaries.add(first.dict)
      }
      const dict =
        first.dict.type === type ? first.dict : new Utf8Column(type, first.dict.offsets, first.dict.bytes)
      return new DictionaryColumn(this.indices as Int32Array, dict, validity, this.nulls)
    }
    const offsets = this.offsets
    for (const p of pieces) {
      if (p.kind !== 'dict') continue
      const indices = this.indices as Int32Array
      const dOffsets = p.dict.offsets
      for (let i = p.from; i < p.to; i++) {
        if (validity && !(((validity[i >>> 3] as number) >>> (i & 7)) & 1)) continue
        const d = indices[i] as number
        offsets[i + 1] = (dOffsets[d + 1] as number) - (dOffsets[d] as number)
      }
    }
    // lengths to offsets
    let total = 0
    for (let i = 1; i <= this.length; i++) {
      total += offsets[i] as number
      if (total > 0x7fffffff) throw new Error('a batch holds more than 2 GiB of byte-array values')
      offsets[i] = total
    }
    const bytes = new Uint8Array(total)
    for (const p of pieces) copyPiece(p, bytes, offsets, validity, this.indices)
    // strings are checked as arrow-rs and DuckDB check them: invalid UTF-8 is a corrupt file
    if (type === 'string') checkUtf8(bytes)
    return new Utf8Column(type, offsets, bytes, validity, this.nulls)
  }
}

function copyPiece(
  p: Piece,
  bytes: Uint8Array,
  offsets: Int32Array,
  validity: Uint8Array | undefined,
  indices: Int32Array | undefined,
): void {
  switch (p.kind) {
    case 'plain': {
      const src = p.src
      let at = p.start
      for (let i = p.from; i < p.to; i++) {
        const o = offsets[i] as number
        const n = (offsets[i + 1] as number) - o
        if (validity && !(((validity[i >>> 3] as number) >>> (i & 7)) & 1)) continue
        at += 4
        if (n < 24) for (let b = 0; b < n; b++) bytes[o + b] = src[at + b] as number
        else bytes.set(src.subarray(at, at + n), o)
        at += n
      }
      return
    }
    case 'dict': {
      const dOffsets = p.dict.offsets
      const dBytes = p.dict.bytes
      const idx = indices as Int32Array
      for (let i = p.from; i < p.to; i++) {
        const o = offsets[i] as number
        const n = (offsets[i + 1] as number) - o
        if (n === 0) continue
        const s = dOffsets[idx[i] as number] as number
        if (n < 24) for (let b = 0; b < n; b++) bytes[o + b] = dBytes[s + b] as number
        else bytes.set(dBytes.subarray(s, s + n), o)
      }
      return
    }
    case 'dense': {
      // valid rows take consecutive dense values: one copy for the whole run
      const start = p.offsets[p.first] as number
      let j = p.first
      for (let i = p.from; i < p.to; i++)
        if (!validity || ((validity[i >>> 3] as number) >>> (i & 7)) & 1) j++
      const end = p.offsets[j] as number
      bytes.set(p.bytes.subarray(start, end), offsets[p.from] as number)
      return
    }
  }
}

/** A finished BOOLEAN column. */
export function boolColumn(out: BoolOut): BoolColumn {
  return new BoolColumn(out.bits, out.length, out.validity, out.nulls)
}
