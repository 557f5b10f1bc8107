import { inspect, isDeepStrictEqual } from 'node:util'
import { RecordBatch } from '../record-batch.js'

/**
 * Where two reads' rows first differ, or `undefined` when they hold the same rows in the same
 * order (batch boundaries aside): `expect(rowsDifference(parallel, serial)).toBeUndefined()`.
 *
 * The batches of each side are joined and compared column by column (schemas, then each column's
 * layout: its typed arrays compared as bytes), which costs a fraction of comparing row objects.
 * Columns that are not laid out alike (nulls' slots holding other bytes, another layout for the
 * same values) fall back to comparing row objects one by one, so the answer is the one a
 * row-by-row deep equality gives; a difference is reported as its row index and both rows.
 */
export function rowsDifference(
  actual: readonly RecordBatch[],
  expected: readonly RecordBatch[],
): string | undefined {
  const a = RecordBatch.concat(actual)
  const e = RecordBatch.concat(expected)
  if (a.numRows === e.numRows && sameColumns(a, e)) return undefined
  const ar = a.rows()
  const er = e.rows()
  const n = Math.min(ar.length, er.length)
  for (let i = 0; i < n; i++) {
    if (!isDeepStrictEqual(ar[i], er[i])) return `row ${i} is ${show(ar[i])}, expected ${show(er[i])}`
  }
  if (ar.length !== er.length) {
    const extra = ar.length > er.length ? `an extra row ${show(ar[n])}` : `a missing row ${show(er[n])}`
    return `${ar.length} rows, expected ${er.length}: the first ${n} agree, then ${extra}`
  }
  return undefined
}

/** Same schema and columns laid out byte for byte alike: the rows are then the same. */
function sameColumns(a: RecordBatch, e: RecordBatch): boolean {
  if (!isDeepStrictEqual(a.schema, e.schema)) return false
  const ac = a.columns()
  const ec = e.columns()
  // deep equality compares typed arrays as bytes; a column's private state is a cache of its
  // public fields
  return ac.every((column, j) => isDeepStrictEqual(column, ec[j]))
}

function show(row: unknown): string {
  return inspect(row, { depth: 4, breakLength: Number.POSITIVE_INFINITY })
}
