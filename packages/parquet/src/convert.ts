import { FixedColumn, JsonColumn, Utf8Builder, Utf8Column, VectorColumn } from '@sd/core'
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js'
import type { BinaryOut } from './binary-out.js'
import type { FixedOut, PhysicalType } from './column-out.js'

/**
 * Conversions of decoded values whose sd form differs from their Parquet storage: int64 as numbers,
 * INT96 timestamps, decimals, FLOAT16, UUIDs, JSON and geometry, fixed-length binary, vectors. Rare
 * types go value by value; the common ones never come here.
 */

/** int64 values as float64 numbers (exact up to 2^53), from their 32-bit halves. */
export function int64ToNumbers(out: FixedOut, signed: boolean): Float64Array {
  const words = out.words as Int32Array
  const result = new Float64Array(out.length)
  for (let i = 0, w = 0; i < out.length; i++, w += 2) {
    const hi = words[w + 1] as number
    result[i] = (signed ? hi : hi >>> 0) * 4294967296 + ((words[w] as number) >>> 0)
  }
  return result
}

/** INT96 timestamps (nanoseconds of the day, then the Julian day) as nanoseconds since the epoch. */
export function int96ToNanos(out: FixedOut): BigInt64Array {
  const words = out.words as Int32Array
  const result = new BigInt64Array(out.length)
  for (let i = 0, w = 0; i < out.length; i++, w += 3) {
    const nanos = (BigInt(words[w + 1] as number) << 32n) | BigInt((words[w] as number) >>> 0)
    result[i] = (BigInt((words[w + 2] as number) - 2440588) * 86_400_000_000_000n + nanos) as bigint
  }
  if (out.validity) for (let i = 0; i < out.length; i++) if (!isValid(out.validity, i)) result[i] = 0n
  return result
}

function isValid(validity: Uint8Array, i: number): boolean {
  return (((validity[i >>> 3] as number) >>> (i & 7)) & 1) === 1
}

/** A big-endian two's complement integer of `bytes[start, end)` as a number. */
function bigEndian(bytes: Uint8Array, start: number, end: number): number {
  if (end === start) return 0
  let value = 0n
  for (let i = start; i < end; i++) value = (value << 8n) | BigInt(bytes[i] as number)
  const bits = BigInt((end - start) * 8)
  if (value >= 1n << (bits - 1n)) value -= 1n << bits
  return Number(value)
}

export function decimalFixed(out: FixedOut, physical: PhysicalType, scale: number): FixedColumn {
  const factor = 10 ** -scale
  const values = new Float64Array(out.length)
  if (physical === 'INT32') {
    const ints = new Int32Array(out.buffer)
    for (let i = 0; i < out.length; i++) values[i] = (ints[i] as number) * factor
  } else if (physical === 'INT64') {
    const ints = int64ToNumbers(out, true)
    for (let i = 0; i < out.length; i++) values[i] = (ints[i] as number) * factor
  } else {
    const w = out.width
    for (let i = 0; i < out.length; i++) values[i] = bigEndian(out.bytes, i * w, i * w + w) * factor
  }
  if (out.validity) for (let i = 0; i < out.length; i++) if (!isValid(out.validity, i)) values[i] = 0
  return new FixedColumn('float64', values, out.validity, { nullCount: out.nulls })
}

export function decimalFromBytes(column: Utf8Column, scale: number): FixedColumn {
  const factor = 10 ** -scale
  const values = new Float64Array(column.length)
  for (let i = 0; i < column.length; i++) {
    values[i] = bigEndian(column.bytes, column.offsets[i] as number, column.offsets[i + 1] as number) * factor
  }
  return new FixedColumn('float64', values, column.validity, { nullCount: column.nullCount })
}

/** Byte-array values parsed one by one (JSON, geometry): a JSON column. */
export function parsed(out: BinaryOut, parse: (bytes: Uint8Array) => unknown): JsonColumn {
  const column = out.finish('binary', () => false) as Utf8Column
  const values: unknown[] = new Array(column.length)
  for (let i = 0; i < column.length; i++) {
    values[i] = column.isValid(i) ? parse(column.valueBytes(i)) : null
  }
  return new JsonColumn(values)
}

export function uuidStrings(out: FixedOut): Utf8Column {
  const builder = new Utf8Builder(out.length, out.length * 36)
  for (let i = 0; i < out.length; i++) {
    if (out.validity && !isValid(out.validity, i)) builder.appendNull()
    else
      builder.appendString(DEFAULT_PARSERS.uuidFromBytes(out.bytes.subarray(i * 16, i * 16 + 16)) as string)
  }
  return builder.finish('string')
}

export function float16(out: FixedOut): Float32Array {
  const values = new Float32Array(out.length)
  const b = out.bytes
  for (let i = 0; i < out.length; i++) {
    const h = (b[2 * i] as number) | ((b[2 * i + 1] as number) << 8)
    const sign = h & 0x8000 ? -1 : 1
    const exp = (h >>> 10) & 0x1f
    const frac = h & 0x3ff
    values[i] =
      exp === 0
        ? sign * 2 ** -14 * (frac / 1024)
        : exp === 31
          ? frac
            ? Number.NaN
            : sign * Infinity
          : sign * 2 ** (exp - 15) * (1 + frac / 1024)
  }
  return values
}

export function fixedBinary(out: FixedOut): Utf8Column {
  const offsets = new Int32Array(out.length + 1)
  const w = out.width
  let total = 0
  for (let i = 0; i < out.length; i++) {
    if (!out.validity || isValid(out.validity, i)) total += w
    offsets[i + 1] = total
  }
  if (total === out.bytes.length) return new Utf8Column('binary', offsets, out.bytes, out.validity, out.nulls)
  const bytes = new Uint8Array(total)
  for (let i = 0; i < out.length; i++) {
    const o = offsets[i] as number
    if ((offsets[i + 1] as number) > o) bytes.set(out.bytes.subarray(i * w, i * w + w), o)
  }
  return new Utf8Column('binary', offsets, bytes, out.validity, out.nulls)
}

/**
 * A `vector` column from decoded lists (each row an array of numbers, or null): one flat
 * `Float32Array`. Every row must hold `dimension` values.
 */
export function vectorFromLists(values: ArrayLike<unknown>, dimension: number): VectorColumn {
  const n = values.length
  const flat = new Float32Array(n * dimension)
  let validity: Uint8Array | undefined
  let nulls = 0
  for (let i = 0; i < n; i++) {
    const row = values[i] as ArrayLike<number> | null | undefined
    if (row === null || row === undefined) {
      validity ??= new Uint8Array((n + 7) >>> 3).fill(0xff)
      validity[i >>> 3] = (validity[i >>> 3] as number) & ~(1 << (i & 7))
      nulls++
      continue
    }
    if (row.length !== dimension)
      throw new Error(`vector row ${i} has ${row.length} values where the dimension is ${dimension}`)
    for (let k = 0; k < dimension; k++) flat[i * dimension + k] = row[k] as number
  }
  return new VectorColumn(flat, dimension, validity, nulls)
}
