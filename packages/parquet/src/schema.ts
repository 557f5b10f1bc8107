import { type ColumnData, type Field, JsonColumn } from '@sd/core'
import type { DecodedArray, FileMetaData, SchemaTree } from 'hyparquet'
import { parquetSchema } from 'hyparquet'
import { isFlatColumn } from 'hyparquet/src/schema.js'
import type { ColumnInfo } from './column-info.js'
import { flatType, type Int64Mode } from './logical.js'
import { applySdSchema } from './sd-schema.js'
import type { VectorLayout } from './vector-chunk.js'

/**
 * Describes every top-level column of a file: its {@link Field} and how it decodes (see
 * `flatType`); lists, maps and structs are `json`. Types Parquet has no word for (`vector`,
 * `null`) come back from the schema `writeParquet` keeps in the footer.
 */
export function describeColumns(metadata: FileMetaData, int64: Int64Mode): ColumnInfo[] {
  const tree = parquetSchema(metadata)
  const out: ColumnInfo[] = []
  let leaf = 0
  for (const child of tree.children) {
    const count = countLeaves(child)
    const leaves = Array.from({ length: count }, (_, i) => leaf + i)
    leaf += count
    const name = child.element.name
    const flat = isFlatColumn([tree, child])
    const nullable = child.element.repetition_type !== 'REQUIRED'
    if (!flat) {
      out.push({
        name,
        field: { name, type: 'json', nullable },
        flat,
        leaves,
        element: child.element,
        unsupported: nestedUnsupported(child, int64),
        spec: undefined,
        vector: floatList(child),
        finishNested: nestedJson,
      })
      continue
    }
    const t = flatType(child.element, nullable, int64)
    const field: Field = { name, type: t.type, nullable }
    if (t.unit !== undefined) field.unit = t.unit
    if (t.timezone !== undefined) field.timezone = t.timezone
    out.push({
      name,
      field,
      flat,
      leaves,
      element: child.element,
      unsupported: t.unsupported,
      spec: t.spec,
      finishNested: nestedJson,
    })
  }
  applySdSchema(out, metadata)
  return out
}

/** hyparquet leaves `undefined` for null lists, structs and elements; batches say `null`. */
function nestedJson(values: DecodedArray): ColumnData {
  const out = Array.from(values as ArrayLike<unknown>, nullDeep)
  return new JsonColumn(out)
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

/**
 * The levels of a three-level LIST whose one leaf is FLOAT (what `writeParquet`, DuckDB, pyarrow
 * write for a list of floats), with dimension 0 until a stored schema names it; else undefined.
 */
function floatList(node: SchemaTree): VectorLayout | undefined {
  const repeated = node.children[0]
  const leaf = repeated?.children[0]
  if (node.children.length !== 1 || repeated?.children.length !== 1 || !leaf) return undefined
  if (repeated.element.repetition_type !== 'REPEATED' || leaf.children.length !== 0) return undefined
  if (leaf.element.type !== 'FLOAT' || leaf.element.repetition_type === 'REPEATED') return undefined
  const nullableList = node.element.repetition_type === 'OPTIONAL'
  const maxDef = (nullableList ? 1 : 0) + 1 + (leaf.element.repetition_type === 'OPTIONAL' ? 1 : 0)
  return { dimension: 0, maxDef, nullableList }
}

function countLeaves(node: SchemaTree): number {
  if (node.children.length === 0) return 1
  let n = 0
  for (const child of node.children) n += countLeaves(child)
  return n
}

function nestedUnsupported(node: SchemaTree, int64: Int64Mode): string | undefined {
  if (node.children.length === 0) return flatType(node.element, true, int64).unsupported
  for (const child of node.children) {
    const why = nestedUnsupported(child, int64)
    if (why) return why
  }
  return undefined
}
