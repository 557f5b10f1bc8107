import { ValidationError } from '../errors.js'
import { ColumnBase, maskCount } from './base.js'
import type { DataType, TypedColumn } from './types.js'

/** The types stored as one fixed-width value per slot. */
export type FixedType = Exclude<DataType, 'bool' | 'string' | 'binary' | 'json' | 'vector' | 'null'>

/** Unit of a `timestamp` column's integers. */
export type TimeUnit = 's' | 'ms' | 'us' | 'ns'

type TypedCtor = { new (length: number): TypedColumn; BYTES_PER_ELEMENT: number; name: string }

/** The typed array each fixed-width type is stored in. */
export const FIXED_ARRAYS: Readonly<Record<FixedType, TypedCtor>> = {
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
  date: Int32Array,
  timestamp: BigInt64Array,
}

/** True for the types a {@link FixedColumn} stores. */
export function isFixedType(type: DataType): type is FixedType {
  return Object.hasOwn(FIXED_ARRAYS, type)
}

const MS_PER_DAY = 86_400_000

/** Milliseconds per unit of a timestamp (a fraction below one millisecond). */
export function msPerUnit(unit: TimeUnit): number {
  switch (unit) {
    case 's':
      return 1000
    case 'ms':
      return 1
    case 'us':
      return 1e-3
    case 'ns':
      return 1e-6
  }
}

/**
 * Milliseconds of a timestamp in `unit`s, truncated as `Date` truncates (in integers: a float
 * product would land a nanosecond timestamp below its millisecond).
 */
export function timestampMs(v: bigint, unit: TimeUnit): number {
  if (unit === 'ms') return Number(v)
  if (unit === 's') return Number(v) * 1000
  return Number(v / (unit === 'us' ? 1000n : 1_000_000n))
}

/** Options of a {@link FixedColumn}. */
export interface FixedColumnOptions {
  /** The null count when the caller knows it (saves counting the bitmap). */
  nullCount?: number
  /** `timestamp` only: what one unit of the integers is. Default `'ms'`. */
  unit?: TimeUnit
  /** `timestamp` only: the IANA time zone the instants were recorded in, if any. */
  timezone?: string
}

/**
 * A column of fixed-width values in one typed array (Arrow's primitive layout): ints, floats,
 * `date` (Int32Array of days since the epoch, Arrow Date32) and `timestamp` (BigInt64Array in
 * `unit`s since the epoch). Null slots hold 0 and are marked in `validity`.
 *
 * @example
 * ```ts
 * const ages = new FixedColumn('int32', Int32Array.of(31, 0, 47), packBits([1, 0, 1]))
 * ages.get(1)      // null
 * ages.toValues()  // Int32Array [31, 0, 47]
 * ```
 */
export class FixedColumn extends ColumnBase {
  readonly kind = 'fixed' as const
  readonly type: FixedType
  /** One value per slot. */
  readonly values: TypedColumn
  /** `timestamp` only. */
  readonly unit: TimeUnit | undefined
  /** `timestamp` only. */
  readonly timezone: string | undefined

  constructor(type: FixedType, values: TypedColumn, validity?: Uint8Array, options: FixedColumnOptions = {}) {
    super(values.length, validity, options.nullCount)
    const Ctor = FIXED_ARRAYS[type]
    if (Ctor === undefined || !(values instanceof Ctor)) {
      throw new ValidationError(
        `A ${type} column needs a ${Ctor?.name ?? 'typed array'}, got ${values?.constructor?.name ?? typeof values}`,
        { code: 'INVALID_COLUMN' },
      )
    }
    this.type = type
    this.values = values
    this.unit = type === 'timestamp' ? (options.unit ?? 'ms') : undefined
    this.timezone = type === 'timestamp' ? options.timezone : undefined
  }

  /** Exact bytes of the buffers. */
  get byteSize(): number {
    return this.values.byteLength + this.validityBytes
  }

  /** The value of slot `i` (`Date` for dates and timestamps), or `null`. */
  get(i: number): unknown {
    if (!this.isValid(i)) return null
    const v = this.values[i] as number | bigint
    if (this.type === 'date') return new Date((v as number) * MS_PER_DAY)
    if (this.type === 'timestamp') return new Date(timestampMs(v as bigint, this.unit as TimeUnit))
    return v
  }

  /** The typed array itself (null slots hold 0; see `validity`). */
  toValues(): TypedColumn {
    return this.values
  }

  /** Slots `[start, end)`: the values are a view, not a copy. */
  slice(start: number, end: number): FixedColumn {
    return new FixedColumn(
      this.type,
      this.values.subarray(start, end),
      this.sliceValidity(start, end),
      this.#options(),
    )
  }

  /** The slots whose `mask` entry is truthy. */
  filter(mask: ArrayLike<unknown>, count = maskCount(mask)): FixedColumn {
    const out = new FIXED_ARRAYS[this.type](count)
    const values = this.values
    for (let i = 0, j = 0; i < mask.length; i++) if (mask[i]) out[j++] = values[i] as never
    return new FixedColumn(this.type, out, this.filterValidity(mask, count), this.#options())
  }

  /** The buffers, for a worker's transfer list. */
  buffers(): ArrayBufferView[] {
    return this.validity ? [this.values, this.validity] : [this.values]
  }

  /** The same values read as `type` (same typed array), e.g. `int32` data as `date`. */
  withType(type: FixedType, options: FixedColumnOptions = {}): FixedColumn {
    return new FixedColumn(type, this.values, this.validity, { nullCount: this.nullCount, ...options })
  }

  #options(): FixedColumnOptions {
    const o: FixedColumnOptions = {}
    if (this.unit !== undefined) o.unit = this.unit
    if (this.timezone !== undefined) o.timezone = this.timezone
    return o
  }
}
