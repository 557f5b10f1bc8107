import { type Column, type Field, RecordBatch } from '@sd/core'
import { type CsvColumnType, parseBool, parseFloat64, parseInt32 } from './cast.js'

const STRING = 0
const INT32 = 1
const FLOAT64 = 2
const BOOL = 3

const KIND: Record<CsvColumnType, number> = { string: STRING, int32: INT32, float64: FLOAT64, bool: BOOL }

type Storage = Int32Array | Float64Array | Uint8Array | string[]

function allocate(kind: number, size: number): Storage {
  if (kind === INT32) return new Int32Array(size)
  if (kind === FLOAT64) return new Float64Array(size)
  if (kind === BOOL) return new Uint8Array(size)
  return []
}

/** One output column: its name, type, and where its field sits in a record. */
export interface ColumnSpec {
  name: string
  type: CsvColumnType
  /** Index of the field in each record. */
  source: number
}

/**
 * Casts records (arrays of field strings) straight into the columns of one batch: typed arrays
 * for `int32`, `float64` and `bool` (`Uint8Array`), plain arrays for strings. An empty field of a
 * typed column is null; a batch whose column holds nulls turns that column into a plain array.
 */
export class BatchBuilder {
  /** Rows in the batch being built. */
  rows = 0
  /** Values stored as null because they did not fit (only with `nullOnCastError`). */
  nulled = 0
  readonly #specs: readonly ColumnSpec[]
  readonly #kinds: Uint8Array
  readonly #sources: Int32Array
  readonly #capacity: number
  readonly #nullOnCastError: boolean
  #data: Storage[]
  #nulls: (Uint8Array | undefined)[]

  constructor(specs: readonly ColumnSpec[], capacity: number, nullOnCastError: boolean) {
    this.#specs = specs
    this.#kinds = Uint8Array.from(specs, (s) => KIND[s.type])
    this.#sources = Int32Array.from(specs, (s) => s.source)
    this.#capacity = capacity
    this.#nullOnCastError = nullOnCastError
    this.#data = this.#allocate()
    this.#nulls = specs.map(() => undefined)
  }

  /**
   * Adds one record as the next row. Returns -1, or the index of the column whose value does not
   * fit (the row is then not added; unless `nullOnCastError`, which stores null and goes on).
   */
  add(record: readonly string[]): number {
    const i = this.rows
    const kinds = this.#kinds
    const sources = this.#sources
    const data = this.#data
    const n = kinds.length
    for (let c = 0; c < n; c++) {
      const s = record[sources[c] as number] as string
      const kind = kinds[c]
      if (kind === STRING) {
        ;(data[c] as string[])[i] = s
        continue
      }
      if (s.length === 0) {
        this.#setNull(c, i)
        continue
      }
      const v = kind === INT32 ? parseInt32(s) : kind === FLOAT64 ? parseFloat64(s) : parseBool(s)
      if (v === undefined) {
        if (!this.#nullOnCastError) return c
        this.nulled++
        this.#setNull(c, i)
        continue
      }
      ;(data[c] as Int32Array)[i] = v
    }
    this.rows = i + 1
    return -1
  }

  /** Undoes the nulls a rejected record left in the row being built. */
  discardRow(): void {
    for (const mask of this.#nulls) if (mask) mask[this.rows] = 0
  }

  /** The column spec at `index`. */
  spec(index: number): ColumnSpec {
    return this.#specs[index] as ColumnSpec
  }

  /** The rows added so far as a batch (undefined when there are none); starts a new batch. */
  finish(): RecordBatch | undefined {
    const n = this.rows
    if (n === 0) return undefined
    const columns: Record<string, Column> = {}
    const fields: Field[] = []
    this.#specs.forEach((spec, c) => {
      const mask = this.#nulls[c]
      const data = this.#data[c] as Storage
      const hasNulls = mask?.subarray(0, n).includes(1) === true
      fields.push({ name: spec.name, type: spec.type, nullable: hasNulls })
      columns[spec.name] = mask && hasNulls ? withNulls(data, mask, n, spec.type === 'bool') : trim(data, n)
    })
    this.rows = 0
    this.#data = this.#allocate()
    this.#nulls = this.#specs.map(() => undefined)
    return RecordBatch.fromColumns(columns, fields)
  }

  #allocate(): Storage[] {
    return this.#specs.map((_, c) => allocate(this.#kinds[c] as number, this.#capacity))
  }

  #setNull(c: number, i: number): void {
    let mask = this.#nulls[c]
    if (mask === undefined) {
      mask = new Uint8Array(this.#capacity)
      this.#nulls[c] = mask
    }
    mask[i] = 1
  }
}

function trim(data: Storage, n: number): Column {
  if (Array.isArray(data)) {
    data.length = n
    return data
  }
  // a short last batch gets a copy, so it does not pin a full-capacity buffer
  return data.length === n ? data : data.slice(0, n)
}

function withNulls(data: Storage, mask: Uint8Array, n: number, bool: boolean): unknown[] {
  const out: unknown[] = new Array(n)
  for (let i = 0; i < n; i++) {
    if (mask[i]) out[i] = null
    else out[i] = bool ? data[i] === 1 : data[i]
  }
  return out
}
