import { compileFilter, type Field, type Filter, type RecordBatch, ValidationError } from '@sd/core'

/**
 * A `--filter` as a batch predicate for sources without filters of their own (CSV, NDJSON, CAR
 * batches): a 0/1 mask per batch, read from the columns the filter names. JSON has no bigint, so
 * comparisons are loose (`{"id": 5}` matches an int64 `5n`).
 */
export function batchFilter(filter: Filter): (batch: RecordBatch) => Uint8Array {
  const compiled = compileFilter(filter, { strict: false })
  return (batch) => {
    const columns = new Map<string, unknown[]>()
    return compiled.mask((name) => {
      if (!batch.columnNames.includes(name)) return undefined
      let values = columns.get(name)
      if (!values) {
        const data = batch.data(name)
        values = Array.from({ length: data.length }, (_, i) => data.get(i))
        columns.set(name, values)
      }
      return values
    }, batch.numRows)
  }
}

/** The top-level columns a filter reads (a dotted name reads inside its first part). */
export function filterColumns(filter: Filter): string[] {
  return [...new Set(compileFilter(filter).fields.map((f) => f.split('.')[0] as string))]
}

/** Fails with `UNKNOWN_COLUMN` when the filter names a column the schema lacks. */
export function checkFilterColumns(filter: Filter, schema: readonly Field[], source: string): void {
  const names = schema.map((f) => f.name)
  for (const column of filterColumns(filter)) {
    if (!names.includes(column)) {
      throw new ValidationError(
        `The filter names column "${column}", which ${source} lacks: expected one of [${names.join(', ')}]`,
        { code: 'UNKNOWN_COLUMN', location: { column } },
      )
    }
  }
}
