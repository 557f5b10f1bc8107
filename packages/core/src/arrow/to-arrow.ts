import * as arrow from 'apache-arrow'
import type { ColumnData } from '../columns/column-data.js'
import type { TimeUnit } from '../columns/fixed.js'
import type { Field } from '../columns/types.js'
import { Utf8Column } from '../columns/utf8.js'
import type { RecordBatch } from '../record-batch.js'

/** Field metadata key naming sd's type where Arrow's differs (JSON values travel as UTF-8 text). */
export const SD_TYPE_KEY = 'sd:type'

const UNITS: Record<TimeUnit, arrow.TimeUnit> = {
  s: arrow.TimeUnit.SECOND,
  ms: arrow.TimeUnit.MILLISECOND,
  us: arrow.TimeUnit.MICROSECOND,
  ns: arrow.TimeUnit.NANOSECOND,
}

/**
 * An sd batch as an Arrow `RecordBatch`, sharing memory: fixed-width values, booleans, validity
 * bitmaps, string offsets and bytes, dictionary indices and vector values are handed to Arrow
 * as they are, not copied. JSON columns become UTF-8 JSON text (marked `sd:type = json` in the
 * field metadata, so {@link fromArrow} parses them back).
 *
 * @example
 * ```ts
 * import { tableToIPC, Table } from 'apache-arrow'
 * import { toArrow } from '@sd/core/arrow'
 * const ipc = tableToIPC(new Table(toArrow(batch)))
 * ```
 */
export function toArrow(batch: RecordBatch): arrow.RecordBatch {
  const fields: arrow.Field[] = []
  const children: arrow.Data[] = []
  for (const field of batch.schema) {
    const data = arrowData(batch.data(field.name))
    fields.push(arrowField(field, data.type))
    children.push(data)
  }
  const schema = new arrow.Schema(fields)
  const struct = arrow.makeData({
    type: new arrow.Struct(fields),
    length: batch.numRows,
    children,
    nullCount: 0,
  })
  return new arrow.RecordBatch(schema, struct)
}

/** Batches as one Arrow `Table` (each batch's memory shared, as {@link toArrow}). */
export function toArrowTable(batches: Iterable<RecordBatch>): arrow.Table {
  return new arrow.Table([...batches].map(toArrow))
}

function arrowField(field: Field, type: arrow.DataType): arrow.Field {
  const metadata = field.type === 'json' ? new Map([[SD_TYPE_KEY, 'json']]) : undefined
  return new arrow.Field(field.name, type, field.nullable, metadata)
}

function validityOf(column: ColumnData): { nullCount: number; nullBitmap?: Uint8Array } {
  return column.validity === undefined
    ? { nullCount: 0 }
    : { nullCount: column.nullCount, nullBitmap: column.validity }
}

function arrowData(column: ColumnData): arrow.Data {
  const length = column.length
  const validity = validityOf(column)
  switch (column.kind) {
    case 'fixed': {
      const type = fixedType(column.type, column.unit, column.timezone)
      return arrow.makeData({ type, length, data: column.values as never, ...validity } as never)
    }
    case 'bool':
      return arrow.makeData({ type: new arrow.Bool(), length, data: column.bits, ...validity })
    case 'utf8':
      return utf8Data(column)
    case 'dictionary': {
      const dictionary = arrow.makeVector(utf8Data(column.dictionary))
      const type = new arrow.Dictionary(dictionary.type, new arrow.Int32())
      return arrow.makeData({ type, length, data: column.indices, dictionary, ...validity })
    }
    case 'vector': {
      const child = arrow.makeData({
        type: new arrow.Float32(),
        length: column.values.length,
        data: column.values,
      })
      const type = new arrow.FixedSizeList(
        column.dimension,
        new arrow.Field('item', new arrow.Float32(), false),
      )
      return arrow.makeData({ type, length, child, ...validity })
    }
    case 'json': {
      const text = column.values.map((v) =>
        v === null || v === undefined ? null : JSON.stringify(v, bigintSafe),
      )
      if (column.type === 'null') return arrow.makeData({ type: new arrow.Null(), length })
      return utf8Data(Utf8Column.from(text))
    }
  }
}

function utf8Data(column: Utf8Column): arrow.Data {
  const type = column.type === 'string' ? new arrow.Utf8() : new arrow.Binary()
  return arrow.makeData({
    type,
    length: column.length,
    valueOffsets: column.offsets,
    data: column.bytes,
    ...validityOf(column),
  } as never)
}

function fixedType(type: string, unit: TimeUnit | undefined, timezone: string | undefined): arrow.DataType {
  switch (type) {
    case 'int8':
      return new arrow.Int8()
    case 'int16':
      return new arrow.Int16()
    case 'int32':
      return new arrow.Int32()
    case 'int64':
      return new arrow.Int64()
    case 'uint8':
      return new arrow.Uint8()
    case 'uint16':
      return new arrow.Uint16()
    case 'uint32':
      return new arrow.Uint32()
    case 'uint64':
      return new arrow.Uint64()
    case 'float32':
      return new arrow.Float32()
    case 'float64':
      return new arrow.Float64()
    case 'date':
      return new arrow.DateDay()
    default:
      return new arrow.Timestamp(UNITS[unit ?? 'ms'], timezone ?? null)
  }
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
