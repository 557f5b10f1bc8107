import { Buffer, isUtf8 } from 'node:buffer'
import { allocBitmap, concatColumnData, DictionaryColumn, Utf8Column } from '@sd/core'
import { validityFrom } from './column-out.js'

/**
 * Byte-array rows (strings, binary) of one column for one batch as they are decoded: lengths as
 * they come, bytes gathered once the batch is finished, or dictionary indices kept as they are.
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

/** A run of byte-array values whose bytes are copied when the batch is finished. */
type Piece =
  /** Values copied as they were read (PLAIN): bytes from `at` of `BinaryOut.staged`, in row order. */
  | { kind: 'staged'; from: number; to: number; at: number }
  /** Dictionary indices (in `BinaryOut.indices`) into `dict`. */
  | { kind: 'dict'; from: number; to: number; dict: Utf8Column }
  /** Dense values `[first, ...)` of a decoded page: `offsets` into `bytes`. */
  | { kind: 'dense'; from: number; to: number; offsets: Int32Array; bytes: Uint8Array; first: number }

/** Byte arrays (strings, binary): lengths as decoded, bytes gathered once at the end. */
export class BinaryOut {
  readonly kind = 'binary' as const
  readonly length: number
  #offsets: Int32Array | undefined
  validity: Uint8Array | undefined
  readonly pieces: Piece[] = []
  /** Dictionary indices of rows read from dictionary pages (null slots 0). */
  indices: Int32Array | undefined
  nulls = 0
  /** Bytes of values copied as they were read (see {@link BinaryOut.stage}). */
  staged: Uint8Array | undefined
  /** Bytes of `staged` in use. */
  stagedLength = 0

  constructor(length: number, nullable: boolean) {
    this.length = length
    this.validity = nullable ? allocBitmap(length) : undefined
  }

  /** Gives the output validity bits, its first `valid` rows (filled without any) valid. */
  addValidity(valid: number): void {
    this.validity ??= validityFrom(this.length, valid)
  }

  /**
   * Value lengths at `[i + 1]` while decoding; offsets once finished. Made on first use: a batch
   * that stays a dictionary column never needs them.
   */
  get offsets(): Int32Array {
    this.#offsets ??= new Int32Array(this.length + 1)
    return this.#offsets
  }

  /**
   * The staged buffer, with room for at least `n` bytes after `stagedLength`: grown (its bytes in
   * use copied) when it has less, to that size the first time and by at least a quarter after.
   */
  reserve(n: number): Uint8Array {
    const used = this.stagedLength
    let staged = this.staged
    if (!staged || staged.length < used + n) {
      // a reservation that ran out grows by a quarter at least, so a batch whose values run
      // longer than guessed is copied a bounded number of times, not once a page
      const size = staged && used > 0 ? Math.max(used + n, Math.ceil(staged.length * 1.25)) : used + n
      const grown = uninitialized(size)
      if (staged && used > 0) grown.set(staged.subarray(0, used))
      staged = grown
      this.staged = grown
    }
    return staged
  }

  /** The indices array, made on first use. */
  dictIndices(): Int32Array {
    this.indices ??= new Int32Array(this.length)
    return this.indices
  }

  /**
   * The column: `DictionaryColumn` when every row came from dictionary pages and `keepDictionary`
   * says a dictionary of that many values pays (the dictionaries of the row groups a batch spans
   * end to end, indices shifted), else `Utf8Column` with the bytes gathered in one buffer of the
   * exact size.
   */
  finish(
    type: 'string' | 'binary',
    keepDictionary: (size: number) => boolean,
  ): Utf8Column | DictionaryColumn {
    const pieces = this.pieces
    const validity = this.validity
    const dicts = dictionariesOf(pieces)
    let size = 0
    for (const d of dicts ?? []) size += d.length
    if (dicts && dicts.length > 0 && keepDictionary(size)) {
      // a dictionary kept as one is checked once, however many batches share it
      for (const d of dicts) {
        if (type === 'string' && !checkedDictionaries.has(d)) {
          checkUtf8(d.bytes)
          checkedDictionaries.add(d)
        }
      }
      const typed = dicts.map((d) => (d.type === type ? d : new Utf8Column(type, d.offsets, d.bytes)))
      const indices = this.indices as Int32Array
      if (typed.length === 1)
        return new DictionaryColumn(indices, typed[0] as Utf8Column, validity, this.nulls)
      const joined = concatColumnData(
        typed,
        typed.map((d) => d.length),
        { name: 'dictionary', type, nullable: false },
      ) as Utf8Column
      shiftIndices(pieces as DictPiece[], dicts, indices, validity)
      return new DictionaryColumn(indices, joined, validity, this.nulls)
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
    let bytes: Uint8Array
    if (pieces.every((p) => p.kind === 'staged')) {
      // values staged in row order are the column's bytes (a view when the guess of their size
      // was at most an eighth too large, else a copy of the exact size)
      const staged = this.staged ?? new Uint8Array(0)
      bytes =
        staged.length === total
          ? staged
          : staged.length - total <= staged.length / 8
            ? staged.subarray(0, total)
            : staged.slice(0, total)
    } else {
      bytes = new Uint8Array(total)
      for (const p of pieces) copyPiece(p, bytes, offsets, validity, this.indices, this.staged)
    }
    // strings are checked as arrow-rs and DuckDB check them: invalid UTF-8 is a corrupt file
    if (type === 'string') checkUtf8(bytes)
    return new Utf8Column(type, offsets, bytes, validity, this.nulls)
  }
}

type DictPiece = Extract<Piece, { kind: 'dict' }>

/**
 * A buffer of `n` bytes that is not zeroed first (every byte of it that is ever read is written
 * before: staged bytes are handed out only up to `stagedLength`). Its own `ArrayBuffer`, whole.
 */
function uninitialized(n: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(n)
  return new Uint8Array(b.buffer, b.byteOffset, n)
}

/** The distinct dictionaries of the pieces in order, or `undefined` when a piece is not from one. */
function dictionariesOf(pieces: readonly Piece[]): Utf8Column[] | undefined {
  const dicts: Utf8Column[] = []
  for (const p of pieces) {
    if (p.kind !== 'dict') return undefined
    if (dicts[dicts.length - 1] !== p.dict && !dicts.includes(p.dict)) dicts.push(p.dict)
  }
  return dicts
}

/** Indices of the pieces of later dictionaries moved past the dictionaries before them (null slots stay 0). */
function shiftIndices(
  pieces: readonly DictPiece[],
  dicts: readonly Utf8Column[],
  indices: Int32Array,
  validity: Uint8Array | undefined,
): void {
  const base = new Map<Utf8Column, number>()
  let at = 0
  for (const d of dicts) {
    base.set(d, at)
    at += d.length
  }
  for (const p of pieces) {
    const shift = base.get(p.dict) as number
    if (shift === 0) continue
    for (let i = p.from; i < p.to; i++) {
      if (validity && !(((validity[i >>> 3] as number) >>> (i & 7)) & 1)) continue
      indices[i] = (indices[i] as number) + shift
    }
  }
}

function copyPiece(
  p: Piece,
  bytes: Uint8Array,
  offsets: Int32Array,
  validity: Uint8Array | undefined,
  indices: Int32Array | undefined,
  staged: Uint8Array | undefined,
): void {
  switch (p.kind) {
    case 'staged': {
      const o = offsets[p.from] as number
      const n = (offsets[p.to] as number) - o
      if (n > 0) bytes.set((staged as Uint8Array).subarray(p.at, p.at + n), o)
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
