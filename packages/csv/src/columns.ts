import {
  BoolColumn,
  bitmapBytes,
  type ColumnData,
  type Field,
  FixedColumn,
  RecordBatch,
  Utf8Column,
} from '@sd/core'
import { parseBool, parseFloat64, parseInt32, parseInt64 } from './values.js'

/** Storage kinds of an output column. */
export const STRING = 0
export const INT32 = 1
/** int64 in a `BigInt64Array`. */
export const INT64 = 2
export const FLOAT64 = 3
export const BOOL = 4
/** int64 literals stored as float64 numbers (`int64: 'number'`). */
export const INT64_NUMBER = 5

const EMPTY_I32 = new Int32Array(0)
const EMPTY_F64 = new Float64Array(0)
const EMPTY_I64 = new BigInt64Array(0)
const EMPTY_U8 = new Uint8Array(0)
/** Bytes of fixed-width values a batch starts with, whatever its width: wide files start small. */
const INITIAL_BUDGET = 4 << 20
const TWO_32 = 4294967296
/** Int64 values are stored through 32-bit words only where the words are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/** One output column of a batch: its field and storage kind. */
export interface ColumnSpec {
  name: string
  /** The field's type (`float64` for int64 read as numbers). */
  type: Field['type']
  kind: number
  /** Index of the field in each record. */
  source: number
}

/**
 * The columns of one batch under construction, in Arrow's layout: typed arrays for numbers,
 * bits for booleans, offsets + bytes for strings, nulls kept as row lists until the batch is
 * finished (so a valid value costs no bitmap write). Capacity grows with the rows, up to the batch
 * size, starting from a few MiB whatever the number of columns. A row is written column by column
 * at index `rows` and counts once {@link commitRow} runs; until then {@link rollbackRow} forgets
 * it (strings need no undo: the next row starts again at `offsets[rows]`).
 */
export class BatchColumns {
  readonly specs: readonly ColumnSpec[]
  readonly kinds: Uint8Array
  /** Committed rows. */
  rows = 0
  capacity = 0
  readonly maxRows: number
  i32: Int32Array[] = []
  f64: Float64Array[] = []
  i64: BigInt64Array[] = []
  /** The `i64` arrays as pairs of 32-bit words (little-endian), to store safe integers without BigInt. */
  words: Int32Array[] = []
  bits: Uint8Array[] = []
  offsets: Int32Array[] = []
  bytes: Uint8Array[] = []
  #nullRows: Int32Array[] = []
  readonly #nullCounts: Int32Array

  constructor(specs: readonly ColumnSpec[], maxRows: number) {
    this.specs = specs
    this.kinds = Uint8Array.from(specs, (s) => s.kind)
    this.maxRows = maxRows
    this.#nullCounts = new Int32Array(specs.length)
    this.#allocate()
  }

  /** Makes room for row `rows`; call once before writing a row. */
  ensureRow(): void {
    if (this.rows === this.capacity) this.#grow(Math.min(this.maxRows, this.capacity * 2))
  }

  /** Writes null into column `c` of the current row. */
  setNull(c: number): void {
    const r = this.rows
    switch (this.kinds[c]) {
      case INT32:
        ;(this.i32[c] as Int32Array)[r] = 0
        break
      case FLOAT64:
      case INT64_NUMBER:
        ;(this.f64[c] as Float64Array)[r] = 0
        break
      case INT64:
        ;(this.i64[c] as BigInt64Array)[r] = 0n
        break
      case BOOL: {
        const bits = this.bits[c] as Uint8Array
        bits[r >>> 3] = (bits[r >>> 3] as number) & ~(1 << (r & 7))
        break
      }
      default: {
        const offsets = this.offsets[c] as Int32Array
        offsets[r + 1] = offsets[r] as number
      }
    }
    let list = this.#nullRows[c] as Int32Array
    const n = this.#nullCounts[c] as number
    if (n === list.length) {
      const next = new Int32Array(Math.max(16, n * 2))
      next.set(list)
      this.#nullRows[c] = list = next
    }
    list[n] = r
    this.#nullCounts[c] = n + 1
  }

  /** Appends `src[start, end)` as the string value of column `c` in the current row. */
  setString(c: number, src: Uint8Array, start: number, end: number): void {
    const offsets = this.offsets[c] as Int32Array
    const r = this.rows
    const at = offsets[r] as number
    const n = end - start
    let bytes = this.bytes[c] as Uint8Array
    if (at + n > bytes.length) bytes = this.#growBytes(c, at + n)
    if (n < 32) for (let k = 0; k < n; k++) bytes[at + k] = src[start + k] as number
    else bytes.set(src.subarray(start, end), at)
    offsets[r + 1] = at + n
  }

  /** Stores a safe integer into int64 column `c` of the current row. */
  setInt64(c: number, v: number | bigint): void {
    const r = this.rows
    if (typeof v === 'bigint') (this.i64[c] as BigInt64Array)[r] = v
    else if (!LITTLE_ENDIAN) (this.i64[c] as BigInt64Array)[r] = BigInt(v)
    else {
      const words = this.words[c] as Int32Array
      words[2 * r] = v
      words[2 * r + 1] = Math.floor(v / TWO_32)
    }
  }

  /**
   * Parses `src[start, end)` into column `c` of the current row as the column's type. An empty
   * field is null in a typed column, and in a string column when `emptyNull`. Returns false (and
   * writes nothing) when the text does not fit the type.
   */
  setField(c: number, src: Uint8Array, start: number, end: number, emptyNull: boolean): boolean {
    const kind = this.kinds[c]
    if (start === end && (kind !== STRING || emptyNull)) {
      this.setNull(c)
      return true
    }
    const r = this.rows
    switch (kind) {
      case STRING:
        this.setString(c, src, start, end)
        return true
      case INT32: {
        const v = parseInt32(src, start, end)
        if (v === undefined) return false
        ;(this.i32[c] as Int32Array)[r] = v
        return true
      }
      case FLOAT64: {
        const v = parseFloat64(src, start, end)
        if (v === undefined) return false
        ;(this.f64[c] as Float64Array)[r] = v
        return true
      }
      case INT64: {
        const v = parseInt64(src, start, end)
        if (v === undefined) return false
        this.setInt64(c, v)
        return true
      }
      case INT64_NUMBER: {
        const v = parseInt64(src, start, end)
        if (v === undefined) return false
        ;(this.f64[c] as Float64Array)[r] = Number(v)
        return true
      }
      default: {
        const v = parseBool(src, start, end)
        if (v === undefined) return false
        const bits = this.bits[c] as Uint8Array
        if (v === 1) bits[r >>> 3] = (bits[r >>> 3] as number) | (1 << (r & 7))
        else bits[r >>> 3] = (bits[r >>> 3] as number) & ~(1 << (r & 7))
        return true
      }
    }
  }

  /** Counts the current row. */
  commitRow(): void {
    this.rows++
  }

  /** Forgets what was written into the current (uncommitted) row. */
  rollbackRow(): void {
    const r = this.rows
    const counts = this.#nullCounts
    for (let c = 0; c < counts.length; c++) {
      const n = counts[c] as number
      if (n > 0 && (this.#nullRows[c] as Int32Array)[n - 1] === r) counts[c] = n - 1
    }
  }

  /** The committed rows as a batch (undefined when there are none); starts a new, empty batch. */
  finish(): RecordBatch | undefined {
    const n = this.rows
    if (n === 0) return undefined
    const fields: Field[] = []
    const columns: ColumnData[] = []
    for (let c = 0; c < this.specs.length; c++) {
      const spec = this.specs[c] as ColumnSpec
      const nulls = this.#nullCounts[c] as number
      const validity = nulls === 0 ? undefined : this.#validity(c, n, nulls)
      fields.push({ name: spec.name, type: spec.type, nullable: nulls > 0 })
      columns.push(this.#column(c, n, validity, nulls))
    }
    this.#allocate()
    return RecordBatch.fromData(fields, columns)
  }

  #column(c: number, n: number, validity: Uint8Array | undefined, nulls: number): ColumnData {
    const exact = n === this.capacity
    const options = { nullCount: nulls }
    switch (this.kinds[c]) {
      case INT32: {
        const values = this.i32[c] as Int32Array
        return new FixedColumn('int32', exact ? values : values.slice(0, n), validity, options)
      }
      case FLOAT64:
      case INT64_NUMBER: {
        const values = this.f64[c] as Float64Array
        return new FixedColumn('float64', exact ? values : values.slice(0, n), validity, options)
      }
      case INT64: {
        const values = this.i64[c] as BigInt64Array
        return new FixedColumn('int64', exact ? values : values.slice(0, n), validity, options)
      }
      case BOOL: {
        const bits = this.bits[c] as Uint8Array
        const size = bitmapBytes(n)
        return new BoolColumn(bits.length === size ? bits : bits.slice(0, size), n, validity, nulls)
      }
      default: {
        const offsets = this.offsets[c] as Int32Array
        const bytes = this.bytes[c] as Uint8Array
        const used = offsets[n] as number
        return new Utf8Column(
          'string',
          exact ? offsets : offsets.slice(0, n + 1),
          bytes.length === used ? bytes : bytes.slice(0, used),
          validity,
          nulls,
        )
      }
    }
  }

  #validity(c: number, n: number, nulls: number): Uint8Array {
    const bitmap = new Uint8Array(bitmapBytes(n)).fill(0xff)
    if (n & 7) bitmap[bitmap.length - 1] = (1 << (n & 7)) - 1
    const list = this.#nullRows[c] as Int32Array
    for (let k = 0; k < nulls; k++) {
      const r = list[k] as number
      bitmap[r >>> 3] = (bitmap[r >>> 3] as number) & ~(1 << (r & 7))
    }
    return bitmap
  }

  #allocate(): void {
    const width = Math.max(1, this.specs.length)
    const initial = Math.max(16, Math.min(this.maxRows, 1024, Math.floor(INITIAL_BUDGET / (width * 8))))
    this.rows = 0
    this.capacity = 0
    const count = this.specs.length
    this.i32 = new Array(count).fill(EMPTY_I32)
    this.f64 = new Array(count).fill(EMPTY_F64)
    this.i64 = new Array(count).fill(EMPTY_I64)
    this.words = new Array(count).fill(EMPTY_I32)
    this.bits = new Array(count).fill(EMPTY_U8)
    this.offsets = new Array(count).fill(EMPTY_I32)
    this.bytes = new Array(count).fill(EMPTY_U8)
    this.#nullRows = new Array(count).fill(EMPTY_I32)
    this.#nullCounts.fill(0)
    this.#grow(Math.min(initial, this.maxRows))
  }

  #grow(capacity: number): void {
    for (let c = 0; c < this.specs.length; c++) {
      switch (this.kinds[c]) {
        case INT32:
          this.i32[c] = grown(new Int32Array(capacity), this.i32[c] as Int32Array)
          break
        case FLOAT64:
        case INT64_NUMBER:
          this.f64[c] = grown(new Float64Array(capacity), this.f64[c] as Float64Array)
          break
        case INT64: {
          const values = grown(new BigInt64Array(capacity), this.i64[c] as BigInt64Array)
          this.i64[c] = values
          this.words[c] = new Int32Array(values.buffer)
          break
        }
        case BOOL:
          this.bits[c] = grown(new Uint8Array(bitmapBytes(capacity)), this.bits[c] as Uint8Array)
          break
        default: {
          this.offsets[c] = grown(new Int32Array(capacity + 1), this.offsets[c] as Int32Array)
          if ((this.bytes[c] as Uint8Array).length === 0) this.bytes[c] = new Uint8Array(capacity * 8)
        }
      }
    }
    this.capacity = capacity
  }

  #growBytes(c: number, need: number): Uint8Array {
    const old = this.bytes[c] as Uint8Array
    const next = new Uint8Array(Math.max(need, old.length * 2))
    next.set(old.subarray(0, (this.offsets[c] as Int32Array)[this.rows] as number))
    this.bytes[c] = next
    return next
  }
}

function grown<T extends Int32Array | Float64Array | BigInt64Array | Uint8Array>(next: T, old: T): T {
  if (old.length > 0) next.set(old as never)
  return next
}
