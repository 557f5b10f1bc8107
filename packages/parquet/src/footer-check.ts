import { type ErrorLocation, FormatError } from '@sd/core'
import type { FileMetaData, SchemaElement } from 'hyparquet'

/** A leaf of the footer schema: its path, physical type and whether any level repeats. */
interface Leaf {
  path: string
  element: SchemaElement
  repeated: boolean
}

const TYPES = new Set([
  'BOOLEAN',
  'INT32',
  'INT64',
  'INT96',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'FIXED_LEN_BYTE_ARRAY',
])

/** The physical types each converted type may annotate (leaves only; groups are checked elsewhere). */
const CONVERTED_ON: Record<string, string[]> = {
  UTF8: ['BYTE_ARRAY'],
  ENUM: ['BYTE_ARRAY'],
  JSON: ['BYTE_ARRAY'],
  BSON: ['BYTE_ARRAY'],
  DECIMAL: ['INT32', 'INT64', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'],
  DATE: ['INT32'],
  TIME_MILLIS: ['INT32'],
  TIME_MICROS: ['INT64'],
  TIMESTAMP_MILLIS: ['INT64'],
  TIMESTAMP_MICROS: ['INT64'],
  UINT_8: ['INT32'],
  UINT_16: ['INT32'],
  UINT_32: ['INT32'],
  UINT_64: ['INT64'],
  INT_8: ['INT32'],
  INT_16: ['INT32'],
  INT_32: ['INT32'],
  INT_64: ['INT64'],
  INTERVAL: ['FIXED_LEN_BYTE_ARRAY'],
}

function bad(message: string, location: ErrorLocation): FormatError {
  return new FormatError(message, { code: 'PARQUET_BAD_FOOTER', location })
}

/**
 * The leaves of the footer's flat schema list (root first, each group followed by its
 * `num_children` children), checked to form exactly one tree with named elements.
 */
function schemaLeaves(schema: readonly SchemaElement[], location: ErrorLocation): Leaf[] {
  const leaves: Leaf[] = []
  let next = 0
  const walk = (path: string[], repeated: boolean, depth: number): void => {
    const element = schema[next++]
    if (!element) throw bad(`The schema ends inside a group (${schema.length} elements)`, location)
    if (depth > 0 && !(typeof element.name === 'string' && element.name.length > 0)) {
      throw bad(`Schema element ${next - 1} has no name`, location)
    }
    if (depth > 64) throw bad('The schema nests deeper than 64 levels', location)
    const children = element.num_children ?? 0
    const here = depth === 0 ? path : [...path, element.name]
    const repeats = repeated || element.repetition_type === 'REPEATED'
    if (children > 0) {
      for (let i = 0; i < children; i++) walk(here, repeats, depth + 1)
      return
    }
    if (depth === 0) return
    if (!TYPES.has(element.type as string)) {
      throw bad(`Schema leaf "${here.join('.')}" has no physical type`, {
        ...location,
        column: here.join('.'),
      })
    }
    if (element.type === 'FIXED_LEN_BYTE_ARRAY' && !((element.type_length ?? 0) > 0)) {
      throw bad(`FIXED_LEN_BYTE_ARRAY leaf "${here.join('.')}" has no length`, {
        ...location,
        column: here.join('.'),
      })
    }
    const converted = element.converted_type
    if (converted !== undefined && !CONVERTED_ON[converted]?.includes(element.type as string)) {
      throw bad(
        `Schema leaf "${here.join('.')}" is ${element.type} annotated ${converted}, which does not apply to it`,
        {
          ...location,
          column: here.join('.'),
        },
      )
    }
    leaves.push({ path: here.join('.'), element, repeated: repeats })
  }
  walk([], false, 0)
  if (next !== schema.length) {
    throw bad(
      `The schema's ${schema.length} elements do not form one tree (its root covers ${next})`,
      location,
    )
  }
  return leaves
}

/**
 * Checks the footer's schema against its row groups: every row group has one column chunk per
 * schema leaf, in schema order, with the leaf's path and physical type; a flat column's chunk holds
 * one value per row; a file with rows has columns. A corrupt footer that still parses (an element
 * that lost its name or its children, a type changed in the schema only, a chunk of another
 * column) would otherwise decode to wrong values.
 */
export function checkSchema(metadata: FileMetaData, location: ErrorLocation): void {
  const leaves = schemaLeaves(metadata.schema, location)
  if (leaves.length === 0 && metadata.num_rows > 0n) {
    throw bad(
      `The schema has no columns, but the footer says the file holds ${metadata.num_rows} rows`,
      location,
    )
  }
  metadata.row_groups.forEach((group, rowGroup) => {
    if (group.columns.length !== leaves.length) {
      throw bad(
        `Row group ${rowGroup} has ${group.columns.length} column chunks where the schema has ${leaves.length} columns`,
        { ...location, rowGroup },
      )
    }
    if (!(group.num_rows >= 0n))
      throw bad(`Row group ${rowGroup} has ${group.num_rows} rows`, { ...location, rowGroup })
    group.columns.forEach((chunk, i) => {
      const leaf = leaves[i] as Leaf
      const meta = chunk.meta_data
      const column = leaf.path
      if (!meta)
        throw bad('Expected column metadata in the footer, found none', { ...location, rowGroup, column })
      const path = meta.path_in_schema.join('.')
      if (path !== leaf.path) {
        throw bad(`Column chunk ${i} is for "${path}" where the schema has "${leaf.path}"`, {
          ...location,
          rowGroup,
          column,
        })
      }
      if (meta.type !== leaf.element.type) {
        throw bad(
          `Column chunk "${column}" holds ${meta.type} values where the schema says ${leaf.element.type}`,
          {
            ...location,
            rowGroup,
            column,
          },
        )
      }
      if (!leaf.repeated && meta.num_values !== group.num_rows) {
        throw bad(`Column chunk "${column}" holds ${meta.num_values} values for ${group.num_rows} rows`, {
          ...location,
          rowGroup,
          column,
        })
      }
      const stats = meta.statistics
      const lo = stats?.min_value
      const hi = stats?.max_value
      const comparable = (v: unknown) => typeof v === 'number' || typeof v === 'bigint'
      if (comparable(lo) && comparable(hi) && (lo as number) > (hi as number)) {
        throw bad(`Column chunk "${column}" has statistics whose minimum ${lo} exceeds the maximum ${hi}`, {
          ...location,
          rowGroup,
          column,
        })
      }
      if (!(meta.total_compressed_size >= 0n && meta.total_uncompressed_size >= 0n)) {
        throw bad(`Column chunk "${column}" has negative sizes`, { ...location, rowGroup, column })
      }
    })
  })
}
