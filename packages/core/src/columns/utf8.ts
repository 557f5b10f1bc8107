import { ColumnBase, maskCount } from './base.js'
import { decodeAll, decodeUtf8 } from './utf8-decode.js'

/**
 * Strings (UTF-8) or binary values as Arrow's Utf8/Binary layout: `offsets` (length + 1 entries)
 * into one `bytes` buffer; value `i` is `bytes[offsets[i], offsets[i + 1])`. `offsets[0]` need not
 * be 0 (a slice shares its parent's bytes). Strings are decoded only when read.
 *
 * @example
 * ```ts
 * const names = Utf8Column.from(['ada', null, 'grace'])
 * names.get(2)       // 'grace'
 * names.toValues()   // ['ada', null, 'grace']
 * ```
 */
export class Utf8Column extends ColumnBase {
  readonly kind = 'utf8' as const
  readonly type: 'string' | 'binary'
  /** `length + 1` offsets into `bytes`. */
  readonly offsets: Int32Array
  /** The values' bytes, end to end. */
  readonly bytes: Uint8Array
  #values: (string | null)[] | (Uint8Array | null)[] | undefined

  constructor(
    type: 'string' | 'binary',
    offsets: Int32Array,
    bytes: Uint8Array,
    validity?: Uint8Array,
    nullCount?: number,
  ) {
    super(Math.max(0, offsets.length - 1), validity, nullCount)
    this.type = type
    this.offsets = offsets
    this.bytes = bytes
  }

  /** A column of JS strings (`null` for null), encoded to UTF-8. */
  static from(values: readonly (string | null | undefined)[]): Utf8Column {
    const builder = new Utf8Builder(values.length)
    for (const v of values) {
      if (v === null || v === undefined) builder.appendNull()
      else builder.appendString(v)
    }
    return builder.finish('string')
  }

  /** Exact bytes of the buffers this column uses. */
  get byteSize(): number {
    const used = (this.offsets[this.length] as number) - (this.offsets[0] as number)
    return this.offsets.byteLength + used + this.validityBytes
  }

  /** Value `i`: a string (or a `Uint8Array` view for binary), or `null`. */
  get(i: number): string | Uint8Array | null {
    if (!this.isValid(i)) return null
    const start = this.offsets[i] as number
    const end = this.offsets[i + 1] as number
    return this.type === 'string' ? decodeUtf8(this.bytes, start, end) : this.bytes.subarray(start, end)
  }

  /** The bytes of value `i` (a view; empty for null). */
  valueBytes(i: number): Uint8Array {
    return this.bytes.subarray(this.offsets[i] as number, this.offsets[i + 1] as number)
  }

  /** Byte length of value `i`. */
  valueLength(i: number): number {
    return (this.offsets[i + 1] as number) - (this.offsets[i] as number)
  }

  /** Every value as a JS string (or `Uint8Array` view), decoded once and cached. */
  toValues(): (string | null)[] | (Uint8Array | null)[] {
    if (this.#values) return this.#values
    const isValid = this.validity === undefined ? undefined : (i: number) => this.isValid(i)
    if (this.type === 'string') this.#values = decodeAll(this.bytes, this.offsets, this.length, isValid)
    else {
      const out: (Uint8Array | null)[] = new Array(this.length)
      for (let i = 0; i < this.length; i++) out[i] = isValid && !isValid(i) ? null : this.valueBytes(i)
      this.#values = out
    }
    return this.#values
  }

  /** Slots `[start, end)`: views of the same offsets and bytes. */
  slice(start: number, end: number): Utf8Column {
    return new Utf8Column(
      this.type,
      this.offsets.subarray(start, end + 1),
      this.bytes,
      this.sliceValidity(start, end),
    )
  }

  /** The slots whose `mask` entry is truthy, with their bytes copied together. */
  filter(mask: ArrayLike<unknown>, count = maskCount(mask)): Utf8Column {
    const offsets = new Int32Array(count + 1)
    let total = 0
    for (let i = 0, j = 0; i < mask.length; i++) {
      if (mask[i]) {
        total += this.valueLength(i)
        offsets[++j] = total
      }
    }
    const bytes = new Uint8Array(total)
    for (let i = 0, j = 0; i < mask.length; i++) {
      if (mask[i]) bytes.set(this.valueBytes(i), offsets[j++] as number)
    }
    return new Utf8Column(this.type, offsets, bytes, this.filterValidity(mask, count))
  }

  /** The buffers, for a worker's transfer list. */
  buffers(): ArrayBufferView[] {
    const views: ArrayBufferView[] = [this.offsets, this.bytes]
    if (this.validity) views.push(this.validity)
    return views
  }
}

const encoder = new TextEncoder()

/**
 * Builds a {@link Utf8Column} value by value, from raw bytes (a parser's input) or JS strings,
 * growing its buffers as needed. The validity bitmap is made only once a null arrives.
 *
 * @example
 * ```ts
 * const b = new Utf8Builder()
 * b.appendBytes(line, 4, 9)
 * b.appendNull()
 * const column = b.finish()
 * ```
 */
export class Utf8Builder {
  #offsets: Int32Array
  #bytes: Uint8Array
  #length = 0
  #validity: Uint8Array | undefined
  #nulls = 0

  constructor(rows = 1024, bytes = rows * 16) {
    this.#offsets = new Int32Array(Math.max(rows, 16) + 1)
    this.#bytes = new Uint8Array(Math.max(bytes, 64))
  }

  /** Values appended so far. */
  get length(): number {
    return this.#length
  }

  /** Bytes appended so far. */
  get byteLength(): number {
    return this.#offsets[this.#length] as number
  }

  /** Appends `src[start, end)` as one value. */
  appendBytes(src: Uint8Array, start = 0, end = src.length): void {
    const at = this.#offsets[this.#length] as number
    const n = end - start
    if (at + n > this.#bytes.length) this.#growBytes(at + n)
    if (n < 16) {
      const bytes = this.#bytes
      for (let k = 0; k < n; k++) bytes[at + k] = src[start + k] as number
    } else this.#bytes.set(src.subarray(start, end), at)
    this.#push(at + n, true)
  }

  /** Appends a JS string, encoded as UTF-8. */
  appendString(value: string): void {
    const at = this.#offsets[this.#length] as number
    if (at + value.length * 3 > this.#bytes.length) this.#growBytes(at + value.length * 3)
    const { written } = encoder.encodeInto(value, this.#bytes.subarray(at))
    this.#push(at + written, true)
  }

  /** Appends a null (an empty value marked invalid). */
  appendNull(): void {
    if (this.#validity === undefined) {
      // every earlier slot is valid
      this.#validity = new Uint8Array((this.#offsets.length >>> 3) + 1)
      const n = this.#length
      this.#validity.fill(0xff, 0, n >>> 3)
      for (let k = n & ~7; k < n; k++)
        this.#validity[k >>> 3] = (this.#validity[k >>> 3] as number) | (1 << (k & 7))
    }
    this.#nulls++
    this.#push(this.#offsets[this.#length] as number, false)
  }

  /** The column, and the builder emptied for the next one. */
  finish(type: 'string' | 'binary' = 'string'): Utf8Column {
    const n = this.#length
    const end = this.#offsets[n] as number
    const column = new Utf8Column(
      type,
      this.#offsets.slice(0, n + 1),
      this.#bytes.slice(0, end),
      this.#validity?.slice(0, (n + 7) >>> 3),
      this.#nulls,
    )
    this.#length = 0
    this.#nulls = 0
    this.#validity = undefined
    this.#offsets[0] = 0
    return column
  }

  #push(end: number, valid: boolean): void {
    const slot = this.#length++
    if (this.#length >= this.#offsets.length) {
      const next = new Int32Array(this.#offsets.length * 2)
      next.set(this.#offsets)
      this.#offsets = next
    }
    this.#offsets[this.#length] = end
    let validity = this.#validity
    if (validity === undefined) return
    if (slot >>> 3 >= validity.length) {
      const next = new Uint8Array(validity.length * 2)
      next.set(validity)
      this.#validity = validity = next
    }
    if (valid) validity[slot >>> 3] = (validity[slot >>> 3] as number) | (1 << (slot & 7))
  }

  #growBytes(need: number): void {
    const next = new Uint8Array(Math.max(need, this.#bytes.length * 2))
    next.set(this.#bytes.subarray(0, this.#offsets[this.#length] as number))
    this.#bytes = next
  }
}
