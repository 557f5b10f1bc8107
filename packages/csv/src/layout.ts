import type { Field } from '@sd/core'
import { BOOL, type ColumnSpec, FLOAT64, INT32, INT64, INT64_NUMBER, STRING } from './columns.js'
import { unknownColumnError } from './errors.js'
import type { ResolvedCsvOptions } from './options.js'
import { type CsvColumnType, inferColumnType } from './values.js'

/** The columns of a file as read: every name in the file, and the typed columns we output. */
export interface CsvLayout {
  /** Every column name of the file, in file order (after renaming empty and duplicate names). */
  names: string[]
  /** The output columns (after `columns`), with their types. */
  specs: ColumnSpec[]
  /** The schema of the first batch (a typed column with empty fields there is nullable). */
  fields: Field[]
}

/**
 * Column names from a header record: an empty name becomes `column<N>` (1-based) and a repeated
 * name gets `_1`, `_2`... so every column can be addressed. Linear in the number of names.
 */
export function headerNamesOf(record: readonly string[]): string[] {
  const used = new Set<string>()
  return record.map((raw, i) => {
    const base = raw.length === 0 ? `column${i + 1}` : raw
    let name = base
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`
    used.add(name)
    return name
  })
}

/** Names for a file without a header: `column1`, `column2`... */
export function generatedNames(width: number): string[] {
  return Array.from({ length: width }, (_, i) => `column${i + 1}`)
}

/** Indexes of the output columns in each record, checking the `columns` and `columnTypes` names. */
export function selectColumns(names: readonly string[], options: ResolvedCsvOptions): number[] {
  const index = new Map<string, number>()
  for (let i = 0; i < names.length; i++) index.set(names[i] as string, i)
  for (const name of Object.keys(options.columnTypes)) {
    if (!index.has(name)) throw unknownColumnError(name, names, 'columnTypes')
  }
  if (!options.columns) return names.map((_, i) => i)
  return options.columns.map((name) => {
    const i = index.get(name)
    if (i === undefined) throw unknownColumnError(name, names, 'columns')
    return i
  })
}

/** The storage kind and field type of a column type under the `int64` option. */
export function kindOf(
  type: CsvColumnType,
  options: ResolvedCsvOptions,
): { kind: number; type: Field['type'] } {
  switch (type) {
    case 'int32':
      return { kind: INT32, type: 'int32' }
    case 'int64':
      return options.int64 === 'number'
        ? { kind: INT64_NUMBER, type: 'float64' }
        : { kind: INT64, type: 'int64' }
    case 'float64':
      return { kind: FLOAT64, type: 'float64' }
    case 'bool':
      return { kind: BOOL, type: 'bool' }
    default:
      return { kind: STRING, type: 'string' }
  }
}

/** True when some output column's type has to be inferred from the data. */
export function needsInference(
  names: readonly string[],
  sources: readonly number[],
  options: ResolvedCsvOptions,
): boolean {
  return options.cast && sources.some((s) => !Object.hasOwn(options.columnTypes, names[s] as string))
}

/**
 * Decides each output column's type: `columnTypes` first, else inferred from the sample (the
 * first batch, as string columns: `sample.bytes[c]`, `sample.offsets[c]`) when `cast` is on, else
 * `string`.
 */
export function decideLayout(
  names: string[],
  sources: readonly number[],
  sample: { rows: number; bytes: Uint8Array[]; offsets: Int32Array[] } | undefined,
  options: ResolvedCsvOptions,
): CsvLayout {
  const specs: ColumnSpec[] = []
  const fields: Field[] = []
  sources.forEach((source, c) => {
    const name = names[source] as string
    const given = Object.hasOwn(options.columnTypes, name) ? options.columnTypes[name] : undefined
    const bytes = sample?.bytes[c]
    const offsets = sample?.offsets[c]
    const rows = sample?.rows ?? 0
    const inferred: CsvColumnType =
      given ?? (options.cast && bytes && offsets ? inferColumnType(bytes, offsets, rows) : 'string')
    const { kind, type } = kindOf(inferred, options)
    specs.push({ name, type, kind, source })
    let empty = false
    if (offsets) for (let r = 0; r < rows && !empty; r++) empty = offsets[r] === offsets[r + 1]
    fields.push({ name, type, nullable: empty && (kind !== STRING || options.emptyAs === 'null') })
  })
  return { names, specs, fields }
}
