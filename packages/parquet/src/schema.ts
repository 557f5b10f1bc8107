import type { Column, DataType, Field } from '@sd/core'
import type { DecodedArray, FileMetaData, SchemaElement, SchemaTree } from 'hyparquet'
import { parquetSchema } from 'hyparquet'
import { isFlatColumn } from 'hyparquet/src/schema.js'
import { applySdSchema } from './sd-schema.js'

/** How one top-level Parquet column is read and what it becomes. */
export interface ColumnInfo {
  name: string
  field: Field
  /** One leaf, not repeated: decoded page by page. Otherwise the whole row group at once. */
  flat: boolean
  /** Indexes of its leaf column chunks in a row group's `columns`. */
  leaves: number[]
  /** The leaf element (flat columns). */
  element: SchemaElement
  /** Decode BYTE_ARRAY as UTF-8 (strings, enums); otherwise it stays bytes. */
  utf8: boolean
  /** Why the column cannot be read, when hyparquet cannot decode it. */
  unsupported: string | undefined
  /** Turns decoded values into the column batches carry. */
  finish: (values: DecodedArray) => Column
}

const identity = (values: DecodedArray): Column => values as Column

/**
 * Describes every top-level column of a file: its {@link Field} (INT64 → `int64` in a
 * `BigInt64Array`, timestamps → `timestamp` as `Date`s, DATE → `date`, strings → `string`,
 * un-annotated bytes → `binary`, lists, maps and structs → `json`) and how to decode it.
 */
export function describeColumns(metadata: FileMetaData): ColumnInfo[] {
  const tree = parquetSchema(metadata)
  const out: ColumnInfo[] = []
  let leaf = 0
  for (const child of tree.children) {
    const count = countLeaves(child)
    const leaves = Array.from({ length: count }, (_, i) => leaf + i)
    leaf += count
    const flat = isFlatColumn([tree, child])
    const nullable = child.element.repetition_type !== 'REQUIRED'
    if (!flat) {
      out.push({
        name: child.element.name,
        field: { name: child.element.name, type: 'json', nullable },
        flat,
        leaves,
        element: child.element,
        utf8: false,
        unsupported: nestedUnsupported(child),
        finish: nullNested,
      })
      continue
    }
    const { type, finish, unsupported } = leafType(child.element, nullable)
    out.push({
      name: child.element.name,
      field: { name: child.element.name, type, nullable },
      flat,
      leaves,
      element: child.element,
      utf8: type === 'string' && child.element.type === 'BYTE_ARRAY',
      unsupported,
      finish,
    })
  }
  applySdSchema(out, metadata)
  return out
}

/** hyparquet leaves `undefined` for null lists, structs and elements; batches say `null`. */
function nullNested(values: DecodedArray): Column {
  const out = values as unknown[]
  for (let i = 0; i < out.length; i++) out[i] = nullDeep(out[i])
  return out
}

function nullDeep(value: unknown): unknown {
  if (value === undefined) return null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = nullDeep(value[i])
  } else if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const record = value as Record<string, unknown>
    for (const key in record) record[key] = nullDeep(record[key])
  }
  return value
}

function countLeaves(node: SchemaTree): number {
  if (node.children.length === 0) return 1
  let n = 0
  for (const child of node.children) n += countLeaves(child)
  return n
}

function nestedUnsupported(node: SchemaTree): string | undefined {
  if (node.children.length === 0) return leafType(node.element, true).unsupported
  for (const child of node.children) {
    const why = nestedUnsupported(child)
    if (why) return why
  }
  return undefined
}

interface LeafType {
  type: DataType
  finish: (values: DecodedArray) => Column
  unsupported?: string
}

function leafType(element: SchemaElement, nullable: boolean): LeafType {
  const ctype = element.converted_type
  const ltype = element.logical_type
  const typed = <T extends Column>(make: (values: DecodedArray) => T) =>
    nullable ? identity : (values: DecodedArray) => make(values)
  if (ctype === 'INTERVAL') return { type: 'binary', finish: identity, unsupported: 'INTERVAL values' }
  if (ctype === 'BSON') return { type: 'binary', finish: identity, unsupported: 'BSON values' }
  if (ctype === 'DECIMAL') return { type: 'float64', finish: typed((v) => toFloat64(v)) }
  switch (element.type) {
    case 'BOOLEAN':
      return { type: 'bool', finish: typed(toBool) }
    case 'INT32': {
      const narrow = narrowInt(element)
      if (ctype === 'DATE' || ltype?.type === 'DATE') return { type: 'date', finish: identity }
      if (narrow === 'uint32') return { type: 'uint32', finish: identity }
      if (narrow) return { type: narrow, finish: typed((v) => narrowTo(v, narrow)) }
      return { type: 'int32', finish: identity }
    }
    case 'INT64':
      if (ctype === 'TIMESTAMP_MILLIS' || ctype === 'TIMESTAMP_MICROS' || ltype?.type === 'TIMESTAMP') {
        return { type: 'timestamp', finish: identity }
      }
      if (ctype === 'UINT_64' || (ltype?.type === 'INTEGER' && ltype.bitWidth === 64 && !ltype.isSigned)) {
        return { type: 'uint64', finish: identity }
      }
      return { type: 'int64', finish: identity }
    case 'INT96':
      return { type: 'timestamp', finish: identity }
    case 'FLOAT':
      return { type: 'float32', finish: identity }
    case 'DOUBLE':
      return { type: 'float64', finish: identity }
    case 'BYTE_ARRAY':
      if (ctype === 'UTF8' || ctype === 'ENUM' || ltype?.type === 'STRING' || ltype?.type === 'ENUM') {
        return { type: 'string', finish: identity }
      }
      if (
        ctype === 'JSON' ||
        ltype?.type === 'JSON' ||
        ltype?.type === 'GEOMETRY' ||
        ltype?.type === 'GEOGRAPHY'
      ) {
        return { type: 'json', finish: identity }
      }
      return { type: 'binary', finish: identity }
    case 'FIXED_LEN_BYTE_ARRAY':
      if (ltype?.type === 'UUID') return { type: 'string', finish: identity }
      if (ltype?.type === 'FLOAT16')
        return { type: 'float32', finish: typed((v) => Float32Array.from(v as number[])) }
      return { type: 'binary', finish: identity }
    default:
      return { type: 'binary', finish: identity, unsupported: `physical type ${String(element.type)}` }
  }
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

function narrowTo(values: DecodedArray, type: Exclude<NarrowInt, 'uint32'>): Column {
  switch (type) {
    case 'int8':
      return Int8Array.from(values as ArrayLike<number>)
    case 'int16':
      return Int16Array.from(values as ArrayLike<number>)
    case 'uint8':
      return Uint8Array.from(values as ArrayLike<number>)
    case 'uint16':
      return Uint16Array.from(values as ArrayLike<number>)
  }
}

function toBool(values: DecodedArray): Uint8Array {
  if (values instanceof Uint8Array) return values
  const n = values.length
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) if (values[i]) out[i] = 1
  return out
}

function toFloat64(values: DecodedArray): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>)
}
