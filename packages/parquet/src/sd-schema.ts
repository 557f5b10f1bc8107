import type { ColumnData, DataType, Field } from '@sd/core'
import { FixedColumn, nullColumn } from '@sd/core'
import type { DecodedArray, FileMetaData } from 'hyparquet'
import { arrowVectorDimensions } from './arrow-schema.js'
import type { ColumnInfo } from './column-info.js'
import { vectorFromLists } from './convert.js'

/** Footer key-value entry where {@link writeParquet} keeps the sd schema of the columns. */
export const SD_SCHEMA_KEY = 'sd.schema'

/**
 * Restores the sd types Parquet has no word for, from the schema {@link writeParquet} keeps in
 * the footer: a `vector` column (written as LIST<FLOAT>) comes back as one flat `Float32Array`, a
 * `null` column as nulls. A file without it but with the Arrow schema Arrow writers keep
 * (parquet-wasm, pyarrow) gets its `FixedSizeList<Float32>` columns back as vectors. Other columns
 * keep the types their Parquet annotations give (a LIST whose lengths nothing in the footer fixes
 * is a `json` column).
 */
export function applySdSchema(columns: ColumnInfo[], metadata: FileMetaData): void {
  const fields = storedFields(metadata) ?? arrowFields(metadata)
  for (const info of columns) {
    const stored = fields.find((f) => f && f.name === info.name)
    if (!stored) continue
    if (stored.type === 'vector' && info.field.type === 'json' && !info.flat) {
      const dimension = stored.dimension
      if (typeof dimension !== 'number' || !(Number.isInteger(dimension) && dimension > 0)) continue
      info.field = { ...info.field, type: 'vector' as DataType, dimension }
      if (info.vector) info.vector = { ...info.vector, dimension }
      info.finishNested = (values: DecodedArray) => vectorFromLists(values as ArrayLike<unknown>, dimension)
    } else if (stored.type === 'timestamp' && info.field.type === 'timestamp' && info.spec) {
      // the unit and zone as the writer's batches had them: seconds were written as milliseconds
      const field: Field = { name: info.field.name, type: 'timestamp', nullable: info.field.nullable }
      const seconds = stored.unit === 's' && info.field.unit === 'ms'
      // the file's unit is the truth (it is the values'); the stored one only names seconds
      const unit = seconds ? 's' : info.field.unit
      if (stored.unit !== undefined && unit !== undefined) field.unit = unit
      if (typeof stored.timezone === 'string') field.timezone = stored.timezone
      info.field = field
      const spec = info.spec
      info.spec = {
        ...spec,
        finish: (out): ColumnData => {
          const column = spec.finish(out)
          if (column.kind !== 'fixed') return column
          const values = column.values as BigInt64Array
          if (seconds) for (let i = 0; i < values.length; i++) values[i] = (values[i] as bigint) / 1000n
          return new FixedColumn('timestamp', values, column.validity, {
            nullCount: column.nullCount,
            ...(unit ? { unit } : {}),
            ...(field.timezone ? { timezone: field.timezone } : {}),
          })
        },
      }
    } else if (stored.type === 'null' && info.flat && info.spec) {
      const field: Field = { ...info.field, type: 'null', nullable: true }
      info.field = field
      const spec = info.spec
      info.spec = {
        ...spec,
        finish: (out): ColumnData => {
          spec.finish(out)
          return nullColumn(field, out.length)
        },
      }
    }
  }
}

/** The sd schema {@link writeParquet} keeps in the footer, or undefined (absent, or not ours). */
function storedFields(metadata: FileMetaData): Field[] | undefined {
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === SD_SCHEMA_KEY)
  if (!entry?.value) return undefined
  try {
    const fields = JSON.parse(entry.value) as unknown
    return Array.isArray(fields) ? (fields as Field[]) : undefined
  } catch {
    return undefined // not ours after all: the Parquet types stand
  }
}

/** The vector columns the footer's Arrow schema declares (FixedSizeList<Float32>). */
function arrowFields(metadata: FileMetaData): Field[] {
  return [...arrowVectorDimensions(metadata)].map(([name, dimension]) => ({
    name,
    type: 'vector',
    nullable: true,
    dimension,
  }))
}
