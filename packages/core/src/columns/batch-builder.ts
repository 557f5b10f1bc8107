import { RecordBatch } from '../record-batch.js'
import { bitmapBytes } from './bitmap.js'
import { BoolColumn } from './bool.js'
import type { ColumnData } from './column-data.js'
import { FixedColumn } from './fixed.js'
import { JsonColumn } from './json.js'
import type { Field } from './types.js'
import { Utf8Column } from './utf8.js'

/** Storage kinds of a {@link BatchBuilder} column. */
export const STRING_KIND = 0
export const INT32_KIND = 1
/** int64 in a `BigInt64Array`. */
export const INT64_KIND = 2
export const FLOAT64_KIND = 3
export const BOOL_KIND = 4
/** Plain JS values (a `json` column). */
export const JSON_KIND = 5

/** One column a {@link BatchBuilder} fills: its name, field type and storage kind. */
export interface BuilderColumn {
  name: string
  type: Field['type']
  /** One of `STRING_KIND`, `INT32_KIND`, `INT64_KIND`, `FLOAT64_KIND`, `BOOL_KIND`, `JSON_KIND`. */
  kind: number
}

const EMPTY_I32 = new Int32Array(0)
const EMPTY_F64 = new Float64Array(0)
const EMPTY_I64 = new BigInt64Array(0)
const EMPTY_U8 = new Uint8Array(0)
const EMPTY_VALUES: unknown[] = []
/** Bytes of fixed-width values a batch starts with, whatever its width: wide batches start small. */
const INITIAL_BUDGET = 4 << 20
const TWO_32 = 4294967296
/** Int64 values are stored through 32-bit words only where the words are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1
const encoder = new TextEncoder()
/** Columns beyond which a short batch keeps views of its buffers rather than exact copies. */
const WIDE = 1024

/**
 * The columns of one batch under construction, for a loader that parses rows into them: typed
 * arrays for numbers, bits for booleans, offsets + bytes for strings, plain values for `json`,
 * with nulls kept as row lists until the batch is finished (so a valid value costs no bitmap
 * write). Capacity grows with the rows up to `maxRows`, starting from a few MiB however many
 * columns there are, and from what the previous batch took after the first. A row is written column
 * by column at index `rows` and counts once {@link commitRow} runs; until then
 * {@link rollbackRow} forgets it. {@link finish} hands the rows over as a `RecordBatch` whose
 * buffers are exactly their size (they transfer to another thread without a copy).
 *
 * @example
 * ```ts
 * const b = new BatchBuilder([{ name: 'id', type: 'int32', kind: INT32_KIND }], 10_000)
 * b.ensureRow(); b.i32[0]![b.rows] = 7; b.commitRow()
 * const batch = b.finish() // 1 row
 * ```
 */
export class BatchBuilder {
  readonly columns: readonly BuilderColumn[]
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
  values: unknown[][] = []
  #nullRows: Int32Array[] = []
  readonly #nullCounts: Int32Array
  /** Rows and string bytes the last batch took: the next one starts with that much room. */
  #lastRows = 0
  readonly #lastBytes: Int32Array

  constructor(columns: readonly BuilderColumn[], maxRows: number) {
    this.columns = columns
    this.kinds = Uint8Array.from(columns, (s) => s.kind)
    this.maxRows = maxRows
    this.#nullCounts = new Int32Array(columns.length)
    this.#lastBytes = new Int32Array(columns.length)
  }

  /**
   * Sizes the next batch's buffers for `rows` rows (at most `maxRows`) when they are made, instead
   * of a few MiB grown by doubling: for a loader that knows about how many rows come (a worker
   * parsing a range of a file starts a builder per range).
   */
  expectRows(rows: number): void {
    this.#lastRows = Math.max(0, Math.min(this.maxRows, Math.ceil(rows)))
  }

  /** Makes room for row `rows`; call once before writing a row. */
  ensureRow(): void {
    if (this.rows === this.capacity) {
      if (this.capacity === 0) this.#allocate()
      else this.#grow(Math.min(this.maxRows, this.capacity * 2))
    }
  }

  /** Writes null into column `c` of the current row. */
  setNull(c: number): void {
    const r = this.rows
    switch (this.kinds[c]) {
      case INT32_KIND:
        ;(this.i32[c] as Int32Array)[r] = 0
        break
      case FLOAT64_KIND:
        ;(this.f64[c] as Float64Array)[r] = 0
        break
      case INT64_KIND:
        ;(this.i64[c] as BigInt64Array)[r] = 0n
        break
      case BOOL_KIND:
        this.setBool(c, false)
        break
      case JSON_KIND:
        ;(this.values[c] as unknown[])[r] = null
        break
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

  /** Appends `src[start, end)` (UTF-8) as the string value of column `c` in the current row. */
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

  /** Appends a JS string (encoded to UTF-8) as the value of string column `c` in the current row. */
  setText(c: number, value: string): void {
    const offsets = this.offsets[c] as Int32Array
    const r = this.rows
    const at = offsets[r] as number
    let bytes = this.bytes[c] as Uint8Array
    if (at + value.length * 3 > bytes.length) bytes = this.#growBytes(c, at + value.length * 3)
    const { written } = encoder.encodeInto(value, bytes.subarray(at))
    offsets[r + 1] = at + written
  }

  /** Stores an integer (a safe integer number, or a bigint) into int64 column `c` of the current row. */
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

  /** Stores a boolean into bool column `c` of the current row. */
  setBool(c: number, v: boolean): void {
    const r = this.rows
    const bits = this.bits[c] as Uint8Array
    if (v) bits[r >>> 3] = (bits[r >>> 3] as number) | (1 << (r & 7))
    else bits[r >>> 3] = (bits[r >>> 3] as number) & ~(1 << (r & 7))
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
    const data: ColumnData[] = []
    for (let c = 0; c < this.columns.length; c++) {
      const column = this.columns[c] as BuilderColumn
      const nulls = this.#nullCounts[c] as number
      const validity = nulls === 0 ? undefined : this.#validity(c, n, nulls)
      fields.push({ name: column.name, type: column.type, nullable: nulls > 0 })
      data.push(this.#column(c, n, validity, nulls))
      if (this.kinds[c] === STRING_KIND) this.#lastBytes[c] = (this.offsets[c] as Int32Array)[n] as number
    }
    this.#lastRows = n
    // the next batch's buffers are made when its first row comes (a file may have no more rows)
    this.rows = 0
    this.capacity = 0
    return RecordBatch.fromData(fields, data)
  }

  #column(c: number, n: number, validity: Uint8Array | undefined, nulls: number): ColumnData {
    // a short batch gets exact copies (they transfer to other threads whole), unless the batch is
    // so wide that a copy per column costs more than it saves
    const exact = n === this.capacity || this.columns.length > WIDE
    const options = { nullCount: nulls }
    const type = (this.columns[c] as BuilderColumn).type
    switch (this.kinds[c]) {
      case INT32_KIND: {
        const values = this.i32[c] as Int32Array
        return new FixedColumn('int32', exact ? values.subarray(0, n) : values.slice(0, n), validity, options)
      }
      case FLOAT64_KIND: {
        const values = this.f64[c] as Float64Array
        return new FixedColumn(
          'float64',
          exact ? values.subarray(0, n) : values.slice(0, n),
          validity,
          options,
        )
      }
      case INT64_KIND: {
        const values = this.i64[c] as BigInt64Array
        return new FixedColumn('int64', exact ? values.subarray(0, n) : values.slice(0, n), validity, options)
      }
      case BOOL_KIND: {
        const bits = this.bits[c] as Uint8Array
        const size = bitmapBytes(n)
        return new BoolColumn(bits.length === size ? bits : bits.slice(0, size), n, validity, nulls)
      }
      case JSON_KIND: {
        const values = this.values[c] as unknown[]
        values.length = n
        return new JsonColumn(values, type === 'null' ? 'null' : 'json')
      }
      default: {
        const offsets = this.offsets[c] as Int32Array
        const bytes = this.bytes[c] as Uint8Array
        const used = offsets[n] as number
        return new Utf8Column(
          type === 'binary' ? 'binary' : 'string',
          exact ? offsets.subarray(0, n + 1) : offsets.slice(0, n + 1),
          bytes.length === used ? bytes : exact ? bytes.subarray(0, used) : bytes.slice(0, used),
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
    const width = Math.max(1, this.columns.length)
    const initial =
      this.#lastRows > 0
        ? this.#lastRows
        : Math.max(16, Math.min(this.maxRows, 1024, Math.floor(INITIAL_BUDGET / (width * 8))))
    this.rows = 0
    this.capacity = 0
    const count = this.columns.length
    this.i32 = new Array(count).fill(EMPTY_I32)
    this.f64 = new Array(count).fill(EMPTY_F64)
    this.i64 = new Array(count).fill(EMPTY_I64)
    this.words = new Array(count).fill(EMPTY_I32)
    this.bits = new Array(count).fill(EMPTY_U8)
    this.offsets = new Array(count).fill(EMPTY_I32)
    this.bytes = new Array(count).fill(EMPTY_U8)
    this.values = new Array(count).fill(EMPTY_VALUES)
    this.#nullRows = new Array(count).fill(EMPTY_I32)
    this.#nullCounts.fill(0)
    this.#grow(Math.min(initial, this.maxRows))
  }

  #grow(capacity: number): void {
    if (this.columns.length > WIDE) {
      this.#growWide(capacity)
      return
    }
    for (let c = 0; c < this.columns.length; c++) {
      switch (this.kinds[c]) {
        case INT32_KIND:
          this.i32[c] = grown(new Int32Array(capacity), this.i32[c] as Int32Array)
          break
        case FLOAT64_KIND:
          this.f64[c] = grown(new Float64Array(capacity), this.f64[c] as Float64Array)
          break
        case INT64_KIND: {
          const values = grown(new BigInt64Array(capacity), this.i64[c] as BigInt64Array)
          this.i64[c] = values
          this.words[c] = new Int32Array(values.buffer)
          break
        }
        case BOOL_KIND:
          this.bits[c] = grown(new Uint8Array(bitmapBytes(capacity)), this.bits[c] as Uint8Array)
          break
        case JSON_KIND:
          if (this.values[c] === EMPTY_VALUES) this.values[c] = []
          break
        default: {
          this.offsets[c] = grown(new Int32Array(capacity + 1), this.offsets[c] as Int32Array)
          if ((this.bytes[c] as Uint8Array).length === 0) {
            const last = this.#lastBytes[c] as number
            // a little more than the last batch took, so a like batch fits without growing
            this.bytes[c] = new Uint8Array(last > 0 ? last + (last >>> 4) + 64 : capacity * 8)
          }
        }
      }
    }
    this.capacity = capacity
  }

  /**
   * A wide batch's columns as views into one buffer per kind: thousands of small typed arrays,
   * each with its own backing store, cost more to allocate and collect than their values.
   */
  #growWide(capacity: number): void {
    const kinds = this.kinds
    const count = new Int32Array(6)
    for (let c = 0; c < kinds.length; c++)
      count[kinds[c] as number] = (count[kinds[c] as number] as number) + 1
    const i32 = new Int32Array((count[INT32_KIND] as number) * capacity)
    const f64 = new Float64Array((count[FLOAT64_KIND] as number) * capacity)
    const i64 = new BigInt64Array((count[INT64_KIND] as number) * capacity)
    const bitsPer = bitmapBytes(capacity)
    const bits = new Uint8Array((count[BOOL_KIND] as number) * bitsPer)
    const offsets = new Int32Array((count[STRING_KIND] as number) * (capacity + 1))
    const bytesPer = capacity * 8
    const bytes = new Uint8Array((count[STRING_KIND] as number) * bytesPer)
    const at = new Int32Array(6)
    for (let c = 0; c < kinds.length; c++) {
      const kind = kinds[c] as number
      const k = at[kind] as number
      at[kind] = k + 1
      switch (kind) {
        case INT32_KIND:
          this.i32[c] = grown(i32.subarray(k * capacity, (k + 1) * capacity), this.i32[c] as Int32Array)
          break
        case FLOAT64_KIND:
          this.f64[c] = grown(f64.subarray(k * capacity, (k + 1) * capacity), this.f64[c] as Float64Array)
          break
        case INT64_KIND: {
          const values = grown(i64.subarray(k * capacity, (k + 1) * capacity), this.i64[c] as BigInt64Array)
          this.i64[c] = values
          this.words[c] = new Int32Array(values.buffer, values.byteOffset, 2 * capacity)
          break
        }
        case BOOL_KIND:
          this.bits[c] = grown(bits.subarray(k * bitsPer, (k + 1) * bitsPer), this.bits[c] as Uint8Array)
          break
        case JSON_KIND:
          if (this.values[c] === EMPTY_VALUES) this.values[c] = []
          break
        default: {
          const o = grown(
            offsets.subarray(k * (capacity + 1), (k + 1) * (capacity + 1)),
            this.offsets[c] as Int32Array,
          )
          this.offsets[c] = o
          const old = this.bytes[c] as Uint8Array
          const used = o[this.rows] as number
          if (used <= bytesPer) {
            const b = bytes.subarray(k * bytesPer, (k + 1) * bytesPer)
            b.set(old.subarray(0, used))
            this.bytes[c] = b
          }
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
