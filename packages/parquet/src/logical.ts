import {
  type ColumnData,
  type DataType,
  FixedColumn,
  JsonColumn,
  type TimeUnit,
  Utf8Builder,
  Utf8Column,
  VectorColumn,
} from '@sd/core'
import type { SchemaElement } from 'hyparquet'
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js'
import type { ColumnOut, FlatColumnSpec } from './chunk-reader.js'
import { BinaryOut, BoolOut, boolColumn, FixedOut, type PhysicalType } from './column-out.js'

/** How int64 columns come out: `BigInt64Array` (exact) or `Float64Array` (numbers; exact up to 2^53). */
export type Int64Mode = 'bigint' | 'number'

/** What a flat column becomes: its sd type (and unit, time zone), how to decode it, or why not. */
export interface FlatType {
  type: DataType
  unit?: TimeUnit
  timezone?: string
  spec: FlatColumnSpec
  unsupported?: string
}

/**
 * The sd type and decoder of a flat (top-level, not repeated) column from its schema element:
 * INT32 as `Int32Array` (`int8`/`int16`/`uint8`/`uint16` narrowed, `uint32` reinterpreted, DATE as
 * `date`), INT64 as `BigInt64Array` (or `float64` with `int64: 'number'`; `uint64`, timestamps with
 * their unit), INT96 as `timestamp` nanoseconds, FLOAT/DOUBLE, BOOLEAN as bits, strings as offsets +
 * bytes (or dictionary indices), JSON parsed, DECIMAL and FLOAT16 as floats, UUID as strings.
 */
export function flatType(element: SchemaElement, nullable: boolean, int64: Int64Mode): FlatType {
  const physical = (element.type ?? 'BYTE_ARRAY') as PhysicalType
  const width = physicalWidth(element)
  const ctx = { physical, width, nullable, codec: 'UNCOMPRESSED' as const }
  const fixed = (finish: (out: FixedOut) => ColumnData) => ({
    ctx,
    makeOut: (n: number, nulls: boolean) => new FixedOut(n, width, nulls),
    finish: finish as (out: ColumnOut) => ColumnData,
  })
  const binary = (finish: (out: BinaryOut) => ColumnData) => ({
    ctx,
    makeOut: (n: number, nulls: boolean) => new BinaryOut(n, nulls),
    finish: finish as (out: ColumnOut) => ColumnData,
  })
  const c = element.converted_type
  const l = element.logical_type
  const unsupported = (why: string): FlatType => ({
    type: 'binary',
    spec: binary(() => new JsonColumn([])),
    unsupported: why,
  })
  if (c === 'INTERVAL' || l?.type === 'INTERVAL') return unsupported('INTERVAL values')
  if (c === 'BSON' || l?.type === 'BSON') return unsupported('BSON values')
  if (c === 'DECIMAL' || l?.type === 'DECIMAL') {
    const scale = element.scale ?? (l?.type === 'DECIMAL' ? l.scale : 0) ?? 0
    if (physical === 'BYTE_ARRAY')
      return {
        type: 'float64',
        spec: binary((out) => decimalFromBytes(out.finish('binary', never) as Utf8Column, scale)),
      }
    return { type: 'float64', spec: fixed((out) => decimalFixed(out, physical, scale)) }
  }
  switch (physical) {
    case 'BOOLEAN':
      return {
        type: 'bool',
        spec: {
          ctx,
          makeOut: (n, nulls) => new BoolOut(n, nulls),
          finish: (out) => boolColumn(out as BoolOut),
        },
      }
    case 'INT32': {
      if (c === 'DATE' || l?.type === 'DATE')
        return { type: 'date', spec: fixed((out) => column('date', new Int32Array(out.buffer), out)) }
      const narrow = narrowInt(element)
      if (narrow === 'uint32')
        return { type: 'uint32', spec: fixed((out) => column('uint32', new Uint32Array(out.buffer), out)) }
      if (narrow) {
        const Ctor = { int8: Int8Array, int16: Int16Array, uint8: Uint8Array, uint16: Uint16Array }[narrow]
        return {
          type: narrow,
          spec: fixed((out) => {
            const values = new Ctor(out.length)
            values.set(new Int32Array(out.buffer))
            return column(narrow, values, out)
          }),
        }
      }
      return { type: 'int32', spec: fixed((out) => column('int32', new Int32Array(out.buffer), out)) }
    }
    case 'INT64': {
      const unit = timestampUnit(element)
      if (unit) {
        const timezone = isUtc(element) ? 'UTC' : undefined
        return {
          type: 'timestamp',
          unit,
          ...(timezone ? { timezone } : {}),
          spec: fixed((out) => column('timestamp', new BigInt64Array(out.buffer), out, unit, timezone)),
        }
      }
      if (c === 'UINT_64' || (l?.type === 'INTEGER' && l.bitWidth === 64 && !l.isSigned)) {
        if (int64 === 'number')
          return { type: 'float64', spec: fixed((out) => column('float64', int64ToNumbers(out, false), out)) }
        return { type: 'uint64', spec: fixed((out) => column('uint64', new BigUint64Array(out.buffer), out)) }
      }
      if (int64 === 'number')
        return { type: 'float64', spec: fixed((out) => column('float64', int64ToNumbers(out, true), out)) }
      return { type: 'int64', spec: fixed((out) => column('int64', new BigInt64Array(out.buffer), out)) }
    }
    case 'INT96':
      return {
        type: 'timestamp',
        unit: 'ns',
        spec: fixed((out) => column('timestamp', int96ToNanos(out), out, 'ns')),
      }
    case 'FLOAT':
      return { type: 'float32', spec: fixed((out) => column('float32', new Float32Array(out.buffer), out)) }
    case 'DOUBLE':
      return { type: 'float64', spec: fixed((out) => column('float64', new Float64Array(out.buffer), out)) }
    case 'BYTE_ARRAY': {
      if (c === 'UTF8' || c === 'ENUM' || l?.type === 'STRING' || l?.type === 'ENUM') {
        return {
          type: 'string',
          spec: binary((out) => out.finish('string', (dict) => dict.length * 4 <= out.length)),
        }
      }
      if (c === 'JSON' || l?.type === 'JSON')
        return { type: 'json', spec: binary((out) => parsed(out, (b) => DEFAULT_PARSERS.jsonFromBytes(b))) }
      if (l?.type === 'GEOMETRY')
        return {
          type: 'json',
          spec: binary((out) => parsed(out, (b) => DEFAULT_PARSERS.geometryFromBytes(b))),
        }
      if (l?.type === 'GEOGRAPHY')
        return {
          type: 'json',
          spec: binary((out) => parsed(out, (b) => DEFAULT_PARSERS.geographyFromBytes(b))),
        }
      return {
        type: 'binary',
        spec: binary((out) => out.finish('binary', (dict) => dict.length * 4 <= out.length)),
      }
    }
    case 'FIXED_LEN_BYTE_ARRAY': {
      if (l?.type === 'UUID') return { type: 'string', spec: fixed((out) => uuidStrings(out)) }
      if (l?.type === 'FLOAT16')
        return { type: 'float32', spec: fixed((out) => column('float32', float16(out), out)) }
      return { type: 'binary', spec: fixed((out) => fixedBinary(out)) }
    }
    default:
      return unsupported(`physical type ${String(element.type)}`)
  }
}

const never = () => false

/** Bytes per value of a fixed-width physical type (0 for BOOLEAN and BYTE_ARRAY). */
export function physicalWidth(element: SchemaElement): number {
  switch (element.type) {
    case 'INT32':
    case 'FLOAT':
      return 4
    case 'INT64':
    case 'DOUBLE':
      return 8
    case 'INT96':
      return 12
    case 'FIXED_LEN_BYTE_ARRAY':
      return element.type_length ?? 0
    default:
      return 0
  }
}

function column(
  type:
    | 'int8'
    | 'int16'
    | 'int32'
    | 'int64'
    | 'uint8'
    | 'uint16'
    | 'uint32'
    | 'uint64'
    | 'float32'
    | 'float64'
    | 'date'
    | 'timestamp',
  values: ConstructorParameters<typeof FixedColumn>[1],
  out: FixedOut,
  unit?: TimeUnit,
  timezone?: string,
): FixedColumn {
  return new FixedColumn(type, values, out.validity, {
    nullCount: out.nulls,
    ...(unit ? { unit } : {}),
    ...(timezone ? { timezone } : {}),
  })
}

type NarrowInt = 'int8' | 'int16' | 'uint8' | 'uint16' | 'uint32'

function narrowInt(element: SchemaElement): NarrowInt | undefined {
  switch (element.converted_type) {
    case 'INT_8':
      return 'int8'
    case 'INT_16':
      return 'int16'
    case 'UINT_8':
      return 'uint8'
    case 'UINT_16':
      return 'uint16'
    case 'UINT_32':
      return 'uint32'
  }
  const l = element.logical_type
  if (l?.type !== 'INTEGER') return undefined
  if (l.bitWidth === 8) return l.isSigned ? 'int8' : 'uint8'
  if (l.bitWidth === 16) return l.isSigned ? 'int16' : 'uint16'
  if (l.bitWidth === 32 && !l.isSigned) return 'uint32'
  return undefined
}

function timestampUnit(element: SchemaElement): TimeUnit | undefined {
  if (element.converted_type === 'TIMESTAMP_MILLIS') return 'ms'
  if (element.converted_type === 'TIMESTAMP_MICROS') return 'us'
  const l = element.logical_type
  if (l?.type !== 'TIMESTAMP') return undefined
  return l.unit === 'MILLIS' ? 'ms' : l.unit === 'MICROS' ? 'us' : 'ns'
}

function isUtc(element: SchemaElement): boolean {
  const l = element.logical_type
  if (l?.type === 'TIMESTAMP') return l.isAdjustedToUTC
  // the legacy converted types mean instants in UTC
  return element.converted_type === 'TIMESTAMP_MILLIS' || element.converted_type === 'TIMESTAMP_MICROS'
}

/** int64 values as float64 numbers (exact up to 2^53), from their 32-bit halves. */
function int64ToNumbers(out: FixedOut, signed: boolean): Float64Array {
  const words = out.words as Int32Array
  const result = new Float64Array(out.length)
  for (let i = 0, w = 0; i < out.length; i++, w += 2) {
    const hi = words[w + 1] as number
    result[i] = (signed ? hi : hi >>> 0) * 4294967296 + ((words[w] as number) >>> 0)
  }
  return result
}

/** INT96 timestamps (nanoseconds of the day, then the Julian day) as nanoseconds since the epoch. */
function int96ToNanos(out: FixedOut): BigInt64Array {
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

function decimalFixed(out: FixedOut, physical: PhysicalType, scale: number): FixedColumn {
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

function decimalFromBytes(column: Utf8Column, scale: number): FixedColumn {
  const factor = 10 ** -scale
  const values = new Float64Array(column.length)
  for (let i = 0; i < column.length; i++) {
    values[i] = bigEndian(column.bytes, column.offsets[i] as number, column.offsets[i + 1] as number) * factor
  }
  return new FixedColumn('float64', values, column.validity, { nullCount: column.nullCount })
}

/** Byte-array values parsed one by one (JSON, geometry): a JSON column. */
function parsed(out: BinaryOut, parse: (bytes: Uint8Array) => unknown): JsonColumn {
  const column = out.finish('binary', never) as Utf8Column
  const values: unknown[] = new Array(column.length)
  for (let i = 0; i < column.length; i++) {
    values[i] = column.isValid(i) ? parse(column.valueBytes(i)) : null
  }
  return new JsonColumn(values)
}

function uuidStrings(out: FixedOut): Utf8Column {
  const builder = new Utf8Builder(out.length, out.length * 36)
  for (let i = 0; i < out.length; i++) {
    if (out.validity && !isValid(out.validity, i)) builder.appendNull()
    else
      builder.appendString(DEFAULT_PARSERS.uuidFromBytes(out.bytes.subarray(i * 16, i * 16 + 16)) as string)
  }
  return builder.finish('string')
}

function float16(out: FixedOut): Float32Array {
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

function fixedBinary(out: FixedOut): Utf8Column {
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
