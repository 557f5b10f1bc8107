import { ValidationError } from '../errors.js'
import { ColumnBase, maskCount } from './base.js'
import type { Utf8Column } from './utf8.js'

/**
 * Dictionary-encoded strings or binary values (Arrow's Dictionary layout): `indices` into a
 * `dictionary` of distinct values, as Parquet dictionary pages deliver them. Values are looked up
 * only when read; the dictionary is decoded once per column.
 *
 * @example
 * ```ts
 * const colours = new DictionaryColumn(Int32Array.of(0, 1, 0), Utf8Column.from(['red', 'blue']))
 * colours.toValues()  // ['red', 'blue', 'red']
 * ```
 */
export class DictionaryColumn extends ColumnBase {
  readonly kind = 'dictionary' as const
  readonly type: 'string' | 'binary'
  /** One dictionary index per slot (0 for null slots). */
  readonly indices: Int32Array
  /** The distinct values. */
  readonly dictionary: Utf8Column
  #values: (string | null)[] | (Uint8Array | null)[] | undefined

  constructor(indices: Int32Array, dictionary: Utf8Column, validity?: Uint8Array, nullCount?: number) {
    super(indices.length, validity, nullCount)
    this.indices = indices
    this.dictionary = dictionary
    this.type = dictionary.type
  }

  /** Checks every valid index is inside the dictionary (a {@link ValidationError} names the first that is not). */
  validate(): this {
    const size = this.dictionary.length
    for (let i = 0; i < this.length; i++) {
      const k = this.indices[i] as number
      if ((k < 0 || k >= size) && this.isValid(i)) {
        throw new ValidationError(
          `Dictionary index ${k} at slot ${i} is outside the dictionary of ${size} values`,
          {
            code: 'INVALID_COLUMN',
            location: { row: i },
          },
        )
      }
    }
    return this
  }

  /** Exact bytes of the indices, the validity and the dictionary. */
  get byteSize(): number {
    return this.indices.byteLength + this.validityBytes + this.dictionary.byteSize
  }

  /** Value `i`, or `null`. */
  get(i: number): string | Uint8Array | null {
    if (!this.isValid(i)) return null
    return this.dictionary.get(this.indices[i] as number)
  }

  /** Every value as a JS string (or `Uint8Array`), the dictionary decoded once; cached. */
  toValues(): (string | null)[] | (Uint8Array | null)[] {
    if (this.#values) return this.#values
    const dict = this.dictionary.toValues()
    const out: (string | Uint8Array | null)[] = new Array(this.length)
    const indices = this.indices
    if (this.validity === undefined)
      for (let i = 0; i < this.length; i++) out[i] = dict[indices[i] as number] ?? null
    else
      for (let i = 0; i < this.length; i++)
        out[i] = this.isValid(i) ? (dict[indices[i] as number] ?? null) : null
    this.#values = out as (string | null)[]
    return this.#values
  }

  /** Slots `[start, end)`: views of the indices, the same dictionary. */
  slice(start: number, end: number): DictionaryColumn {
    return new DictionaryColumn(
      this.indices.subarray(start, end),
      this.dictionary,
      this.sliceValidity(start, end),
    )
  }

  /** The slots whose `mask` entry is truthy (same dictionary). */
  filter(mask: ArrayLike<unknown>, count = maskCount(mask)): DictionaryColumn {
    const out = new Int32Array(count)
    for (let i = 0, j = 0; i < mask.length; i++) if (mask[i]) out[j++] = this.indices[i] as number
    return new DictionaryColumn(out, this.dictionary, this.filterValidity(mask, count))
  }

  /** The buffers, for a worker's transfer list. */
  buffers(): ArrayBufferView[] {
    const views: ArrayBufferView[] = [this.indices, ...this.dictionary.buffers()]
    if (this.validity) views.push(this.validity)
    return views
  }
}
