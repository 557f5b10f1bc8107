import { type Field, ValidationError } from '@sd/core'
import type { ColumnSpec } from './batch-builder.js'
import { type CsvColumnType, inferColumnType } from './cast.js'
import type { ResolvedCsvOptions } from './options.js'

/** The columns of a file as read: every name in the file, and the typed columns we output. */
export interface CsvLayout {
  /** Every column name of the file, in file order (after renaming empty and duplicate names). */
  names: string[]
  /** The output columns (after `columnsToRead`), with their types. */
  columns: ColumnSpec[]
  /** The schema of the first batch (a typed column with empty fields there is nullable). */
  fields: Field[]
}

/**
 * Column names from a header record: an empty name becomes `column<N>` (1-based) and a repeated
 * name gets `_1`, `_2`... so every column can be addressed.
 */
export function headerNames(record: readonly string[]): string[] {
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

function unknownColumn(name: string, names: readonly string[], option: string): ValidationError {
  return new ValidationError(`${option} names column "${name}": expected one of [${names.join(', ')}]`, {
    code: 'UNKNOWN_COLUMN',
    location: { column: name },
  })
}

/** Indexes of the output columns in each record, checking `columnsToRead` and `columnTypes` names. */
export function selectColumns(names: readonly string[], options: ResolvedCsvOptions): number[] {
  for (const name of Object.keys(options.columnTypes)) {
    if (!names.includes(name)) throw unknownColumn(name, names, 'columnTypes')
  }
  if (!options.columnsToRead) return names.map((_, i) => i)
  return options.columnsToRead.map((name) => {
    const index = names.indexOf(name)
    if (index < 0) throw unknownColumn(name, names, 'columnsToRead')
    return index
  })
}

/**
 * Decides each output column's type: `columnTypes` first, else inferred from the sample records
 * (the first batch) when `cast` is on, else `string`.
 */
export function decideLayout(
  names: string[],
  sources: readonly number[],
  sample: readonly (readonly string[])[],
  options: ResolvedCsvOptions,
): CsvLayout {
  const columns: ColumnSpec[] = []
  const fields: Field[] = []
  for (const source of sources) {
    const name = names[source] as string
    const values = sample.map((record) => record[source] as string)
    const type: CsvColumnType =
      options.columnTypes[name] ?? (options.cast ? inferColumnType(values, values.length) : 'string')
    columns.push({ name, type, source })
    fields.push({ name, type, nullable: type !== 'string' && values.includes('') })
  }
  return { names, columns, fields }
}
