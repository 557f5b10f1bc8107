import { type Field, ValidationError } from '@sd/core'
import type { SchemaElement } from 'hyparquet'

/**
 * The Parquet schema `writeParquet` writes for sd fields: int8/16/32 and uint8/16/32 → INT32 (with
 * their integer annotation), int64/uint64 → INT64, float32 → FLOAT, float64 → DOUBLE, bool →
 * BOOLEAN, string → UTF8, binary → BYTE_ARRAY, timestamp → TIMESTAMP in its unit (seconds as
 * milliseconds), date → DATE, json → JSON, vector → LIST<FLOAT>, null → an INT32 of nulls;
 * nullable fields are OPTIONAL.
 */
export function parquetSchema(fields: readonly Field[], path: string): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: fields.length }]
  for (const field of fields) {
    const repetition_type = field.nullable ? 'OPTIONAL' : 'REQUIRED'
    const name = field.name
    switch (field.type) {
      case 'int8':
      case 'int16':
      case 'uint8':
      case 'uint16':
      case 'uint32': {
        const converted = {
          int8: 'INT_8',
          int16: 'INT_16',
          uint8: 'UINT_8',
          uint16: 'UINT_16',
          uint32: 'UINT_32',
        } as const
        schema.push({ name, type: 'INT32', converted_type: converted[field.type], repetition_type })
        break
      }
      case 'int32':
        schema.push({ name, type: 'INT32', repetition_type })
        break
      case 'int64':
        schema.push({ name, type: 'INT64', repetition_type })
        break
      case 'uint64':
        schema.push({ name, type: 'INT64', converted_type: 'UINT_64', repetition_type })
        break
      case 'float32':
        schema.push({ name, type: 'FLOAT', repetition_type })
        break
      case 'float64':
        schema.push({ name, type: 'DOUBLE', repetition_type })
        break
      case 'bool':
        schema.push({ name, type: 'BOOLEAN', repetition_type })
        break
      case 'string':
        schema.push({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type })
        break
      case 'binary':
        schema.push({ name, type: 'BYTE_ARRAY', repetition_type })
        break
      case 'timestamp': {
        // adjusted to UTC when the field has a zone; MILLIS and MICROS carry their converted type
        // too (which means UTC) for older readers
        const utc = field.timezone !== undefined
        const unit = field.unit === 'ns' ? 'NANOS' : field.unit === 'us' ? 'MICROS' : 'MILLIS'
        const element: SchemaElement = {
          name,
          type: 'INT64',
          repetition_type,
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit },
        }
        if (utc && unit !== 'NANOS')
          element.converted_type = unit === 'MICROS' ? 'TIMESTAMP_MICROS' : 'TIMESTAMP_MILLIS'
        schema.push(element)
        break
      }
      case 'date':
        schema.push({ name, type: 'INT32', converted_type: 'DATE', repetition_type })
        break
      case 'json':
        schema.push({ name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type })
        break
      case 'null':
        schema.push({ name, type: 'INT32', repetition_type: 'OPTIONAL' })
        break
      case 'vector':
        schema.push(
          { name, repetition_type, converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
        )
        break
      default:
        throw new ValidationError(`Cannot write column type ${String(field.type)}`, {
          code: 'PARQUET_UNSUPPORTED_TYPE',
          location: { file: path, column: name },
        })
    }
  }
  return schema
}

/** The leaf element of `field` in a schema from {@link parquetSchema} (`index`: its first element). */
export function leafElement(schema: readonly SchemaElement[], index: number, field: Field): SchemaElement {
  return schema[field.type === 'vector' ? index + 2 : index] as SchemaElement
}
