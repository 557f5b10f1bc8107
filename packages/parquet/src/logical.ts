import {
  type ColumnData,
  type DataType,
  FixedColumn,
  JsonColumn,
  type TimeUnit,
  type Utf8Column,
} from '@sd/core'
import type { SchemaElement } from 'hyparquet'
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js'
import { BinaryOut } from './binary-out.js'
import type { ColumnOut, FlatColumnSpec } from './column-info.js'
import { BoolOut, boolColumn, FixedOut, type PhysicalType } from './column-out.js'
import {
  decimalFixed,
  decimalFromBytes,
  fixedBinary,
  float16,
  int64ToNumbers,
  int96ToNanos,
  parsed,
  uuidStrings,
} from './convert.js'

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
          spec: binary((out) => out.finish('string', (size) => size * 4 <= out.length)),
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
        spec: binary((out) => out.finish('binary', (size) => size * 4 <= out.length)),
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
