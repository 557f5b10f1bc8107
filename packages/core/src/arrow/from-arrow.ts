import * as arrow from 'apache-arrow'
import { sliceBitmap } from '../columns/bitmap.js'
import { BoolColumn } from '../columns/bool.js'
import { type ColumnData, fieldOf } from '../columns/column-data.js'
import { DictionaryColumn } from '../columns/dictionary.js'
import { FixedColumn, type FixedType, type TimeUnit } from '../columns/fixed.js'
import { JsonColumn } from '../columns/json.js'
import type { Field } from '../columns/types.js'
import { Utf8Column } from '../columns/utf8.js'
import { VectorColumn } from '../columns/vector.js'
import { UnsupportedError } from '../errors.js'
import { RecordBatch } from '../record-batch.js'
import { SD_TYPE_KEY } from './to-arrow.js'

const UNITS: Record<number, TimeUnit> = {
  [arrow.TimeUnit.SECOND]: 's',
  [arrow.TimeUnit.MILLISECOND]: 'ms',
  [arrow.TimeUnit.MICROSECOND]: 'us',
  [arrow.TimeUnit.NANOSECOND]: 'ns',
}

/**
 * An Arrow `RecordBatch` or `Table` as an sd batch, sharing memory wherever the layouts agree
 * (fixed widths, booleans, strings, binary, dictionaries, fixed-size float lists): nothing is
 * copied unless Arrow's data starts at a bit offset that is not a whole byte. A table of several
 * Arrow batches is joined into one (use {@link fromArrowBatches} to keep them apart). Nested types
 * (lists, structs, maps) become JSON values.
 *
 * @example
 * ```ts
 * import { tableFromIPC } from 'apache-arrow'
 * import { fromArrow } from '@sd/core/arrow'
 * const batch = fromArrow(tableFromIPC(bytes))
 * ```
 */
export function fromArrow(source: arrow.Table | arrow.RecordBatch): RecordBatch {
  if (source instanceof arrow.RecordBatch) return fromArrowBatch(source)
  const batches = [...fromArrowBatches(source)]
  if (batches.length === 0) return RecordBatch.empty(source.schema.fields.map((f) => emptyField(f)))
  return RecordBatch.concat(batches)
}

/** Each Arrow batch of a table as an sd batch, memory shared as in {@link fromArrow}. */
export function* fromArrowBatches(table: arrow.Table): Generator<RecordBatch> {
  for (const batch of table.batches) yield fromArrowBatch(batch)
}

function fromArrowBatch(batch: arrow.RecordBatch): RecordBatch {
  const fields: Field[] = []
  const columns: ColumnData[] = []
  batch.schema.fields.forEach((field, j) => {
    const data = (batch.getChildAt(j) as arrow.Vector).data
    const parts = data.map((d) => columnFrom(d, field))
    const column = parts.length === 1 ? (parts[0] as ColumnData) : joinParts(parts, field)
    columns.push(column)
    fields.push({ ...fieldOf(field.name, column), nullable: field.nullable || column.nullCount > 0 })
  })
  return RecordBatch.fromData(fields, columns)
}

function joinParts(parts: ColumnData[], field: arrow.Field): ColumnData {
  const f = fieldOf(field.name, parts[0] as ColumnData, true)
  return RecordBatch.concat(parts.map((p) => RecordBatch.fromData([f], [p]))).data(field.name)
}

function emptyField(field: arrow.Field): Field {
  return { name: field.name, type: 'null', nullable: true }
}

function validity(data: arrow.Data): { validity: Uint8Array | undefined; nullCount: number } {
  const nullCount = data.nullCount
  if (nullCount <= 0 || data.nullBitmap === undefined || data.nullBitmap.length === 0) {
    return { validity: undefined, nullCount: 0 }
  }
  return { validity: sliceBitmap(data.nullBitmap, data.offset, data.offset + data.length), nullCount }
}

/**
 * Arrow's `Data.slice` cuts values, offsets and children to the slice but keeps bitmaps (validity,
 * booleans) whole, with `offset` counting bits into them.
 */
function columnFrom(data: arrow.Data, field: arrow.Field): ColumnData {
  const { validity: bits, nullCount } = validity(data)
  const { offset, length } = data
  const type = data.type
  if (arrow.DataType.isDictionary(type)) {
    const dictionary = type.dictionary
    const dictData = data.dictionary?.data[0]
    if (
      (arrow.DataType.isUtf8(dictionary) || arrow.DataType.isBinary(dictionary)) &&
      dictData &&
      data.dictionary?.data.length === 1
    ) {
      const indices = data.values
      const asInt32 = indices instanceof Int32Array ? indices : Int32Array.from(indices as ArrayLike<number>)
      const dict = columnFrom(dictData, field) as Utf8Column
      return new DictionaryColumn(asInt32.subarray(0, length), dict, bits, nullCount)
    }
    return plainValues(data, field)
  }
  if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type)) {
    const fixed = numericType(type)
    if (fixed) return new FixedColumn(fixed, data.values.subarray(0, length), bits, { nullCount })
  }
  if (arrow.DataType.isDate(type) && type.unit === arrow.DateUnit.DAY) {
    return new FixedColumn('date', (data.values as Int32Array).subarray(0, length), bits, {
      nullCount,
    })
  }
  if (arrow.DataType.isTimestamp(type)) {
    const options = {
      nullCount,
      unit: UNITS[type.unit] ?? 'ms',
      ...(type.timezone ? { timezone: type.timezone } : {}),
    }
    return new FixedColumn('timestamp', (data.values as BigInt64Array).subarray(0, length), bits, options)
  }
  if (arrow.DataType.isBool(type)) {
    return new BoolColumn(
      sliceBitmap(data.values as Uint8Array, offset, offset + length),
      length,
      bits,
      nullCount,
    )
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isBinary(type)) {
    const offsets = (data.valueOffsets as Int32Array).subarray(0, length + 1)
    const column = new Utf8Column(
      arrow.DataType.isUtf8(type) ? 'string' : 'binary',
      offsets,
      data.values,
      bits,
      nullCount,
    )
    if (field.metadata.get(SD_TYPE_KEY) === 'json') {
      return new JsonColumn(column.toValues().map((t) => (t === null ? null : JSON.parse(t as string))))
    }
    return column
  }
  if (
    arrow.DataType.isFixedSizeList(type) &&
    arrow.DataType.isFloat(type.children[0]?.type) &&
    type.children[0]?.type.precision === arrow.Precision.SINGLE
  ) {
    const child = data.children[0] as arrow.Data
    const d = type.listSize
    const values = (child.values as Float32Array).subarray(0, length * d)
    return new VectorColumn(values, d, bits, nullCount)
  }
  if (arrow.DataType.isNull(type)) return new JsonColumn(new Array(length).fill(null), 'null')
  if (
    arrow.DataType.isStruct(type) ||
    arrow.DataType.isList(type) ||
    arrow.DataType.isMap(type) ||
    arrow.DataType.isFixedSizeList(type)
  ) {
    return plainValues(data, field)
  }
  throw new UnsupportedError(`Cannot read the Arrow type ${String(type)} into an sd column`, {
    code: 'ARROW_UNSUPPORTED_TYPE',
    location: { column: field.name },
  })
}

function numericType(type: arrow.Int | arrow.Float): FixedType | undefined {
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.SINGLE) return 'float32'
    if (type.precision === arrow.Precision.DOUBLE) return 'float64'
    return undefined
  }
  const t = type as arrow.Int
  const bits = t.bitWidth
  return `${t.isSigned ? 'int' : 'uint'}${bits}` as FixedType
}

/** Nested values as plain JS (Arrow's own rows turned to JSON values). */
function plainValues(data: arrow.Data, _field: arrow.Field): JsonColumn {
  const vector = arrow.makeVector(data)
  const out: unknown[] = new Array(data.length)
  for (let i = 0; i < data.length; i++) {
    const v = vector.get(i)
    out[i] =
      v === null || v === undefined
        ? null
        : typeof v === 'object' && 'toJSON' in v
          ? (v as { toJSON(): unknown }).toJSON()
          : v
  }
  return new JsonColumn(out)
}
