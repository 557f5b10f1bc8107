import type { DataType, Field } from '@sd/core'
import type { DecodedArray, FileMetaData } from 'hyparquet'
import type { ColumnInfo } from './schema.js'

/** Footer key-value entry where {@link writeParquet} keeps the sd schema of the columns. */
export const SD_SCHEMA_KEY = 'sd.schema'

/**
 * Restores the sd types Parquet has no word for, from the schema {@link writeParquet} keeps in
 * the footer: a `vector` column (written as LIST<FLOAT>) comes back as `Float32Array` rows, a
 * `null` column as nulls. Other columns keep the types their Parquet annotations give.
 */
export function applySdSchema(columns: ColumnInfo[], metadata: FileMetaData): void {
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === SD_SCHEMA_KEY)
  if (!entry?.value) return
  let fields: Field[]
  try {
    fields = JSON.parse(entry.value) as Field[]
  } catch {
    return // not ours after all: the Parquet types stand
  }
  if (!Array.isArray(fields)) return
  for (const info of columns) {
    const stored = fields.find((f) => f && f.name === info.name)
    if (!stored) continue
    if (stored.type === 'vector' && info.field.type === 'json' && !info.flat) {
      info.field = { ...info.field, type: 'vector' as DataType }
      if (typeof stored.dimension === 'number') info.field.dimension = stored.dimension
      info.finish = toVectors
    } else if (stored.type === 'null' && info.flat) {
      info.field = { ...info.field, type: 'null', nullable: true }
    }
  }
}

function toVectors(values: DecodedArray): unknown[] {
  const out: unknown[] = new Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as ArrayLike<number> | null | undefined
    out[i] = v === null || v === undefined ? null : Float32Array.from(v)
  }
  return out
}
