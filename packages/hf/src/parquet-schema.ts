import type { ColumnValues as Column, DataType, Field } from '@sd/core'
import { type FileMetaData, parquetSchema, type SchemaElement } from 'hyparquet'

/**
 * The top-level fields of a Parquet file as sd fields, typed as hyparquet decodes them (with
 * `utf8: false`, so un-annotated byte arrays stay binary: images and audio in hub datasets are
 * structs of bytes). Lists, structs and maps are `json`.
 */
export function parquetFields(metadata: FileMetaData): Field[] {
  return parquetSchema(metadata).children.map(({ element, children }) => ({
    name: element.name,
    type: children.length > 0 ? 'json' : elementType(element),
    nullable: element.repetition_type !== 'REQUIRED',
  }))
}

function elementType(element: SchemaElement): DataType {
  const converted = element.converted_type
  const logical = element.logical_type
  if (converted === 'DECIMAL' || logical?.type === 'DECIMAL') return 'float64'
  switch (element.type) {
    case 'BOOLEAN':
      return 'bool'
    case 'INT32':
      if (converted === 'DATE' || logical?.type === 'DATE') return 'date'
      if (
        converted === 'UINT_32' ||
        (logical?.type === 'INTEGER' && logical.bitWidth === 32 && !logical.isSigned)
      )
        return 'uint32'
      return 'int32'
    case 'INT64':
      if (
        converted === 'TIMESTAMP_MILLIS' ||
        converted === 'TIMESTAMP_MICROS' ||
        logical?.type === 'TIMESTAMP'
      )
        return 'timestamp'
      if (
        converted === 'UINT_64' ||
        (logical?.type === 'INTEGER' && logical.bitWidth === 64 && !logical.isSigned)
      )
        return 'uint64'
      return 'int64'
    case 'INT96':
      return 'timestamp'
    case 'FLOAT':
      return 'float32'
    case 'DOUBLE':
      return 'float64'
    default:
      // BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY
      if (converted === 'UTF8' || logical?.type === 'STRING' || logical?.type === 'UUID') return 'string'
      if (converted === 'JSON' || logical?.type === 'JSON') return 'json'
      if (logical?.type === 'GEOMETRY' || logical?.type === 'GEOGRAPHY') return 'json'
      if (logical?.type === 'FLOAT16') return 'float32'
      return 'binary'
  }
}

type TypedCtor = { from(values: ArrayLike<never>): Column }

const TYPED: Partial<Record<DataType, { ctor: TypedCtor; kind: 'number' | 'bigint' }>> = {
  int32: { ctor: Int32Array as unknown as TypedCtor, kind: 'number' },
  uint32: { ctor: Uint32Array as unknown as TypedCtor, kind: 'number' },
  float32: { ctor: Float32Array as unknown as TypedCtor, kind: 'number' },
  float64: { ctor: Float64Array as unknown as TypedCtor, kind: 'number' },
  int64: { ctor: BigInt64Array as unknown as TypedCtor, kind: 'bigint' },
  uint64: { ctor: BigUint64Array as unknown as TypedCtor, kind: 'bigint' },
}

/**
 * A numeric column decoded as a plain array (an OPTIONAL Parquet column, which is what most writers
 * make) moves into a typed array when this chunk holds no null, so hot paths see typed data.
 */
export function typedIfDense(column: Column, type: DataType): Column {
  if (ArrayBuffer.isView(column)) return column
  const spec = TYPED[type]
  if (!spec) return column
  for (let i = 0; i < column.length; i++) if (typeof column[i] !== spec.kind) return column
  return spec.ctor.from(column as never[])
}
