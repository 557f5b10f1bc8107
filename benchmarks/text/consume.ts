/**
 * Consumers of the row forms the text peers produce, doing the work the columnar consumer does
 * (`../parquet/consume.ts`): numbers summed, string lengths summed, trues counted.
 */

/** One value. */
export function consumeValue(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') return v.length
  if (v === true) return 1
  if (typeof v === 'bigint') return Number(v)
  return 0
}

/** A row as an array of values (uDSV, papaparse, csv-parse). */
export function consumeArray(row: readonly unknown[]): number {
  let s = 0
  for (let i = 0; i < row.length; i++) s += consumeValue(row[i])
  return s
}

/** A row as an object (JSON.parse). */
export function consumeObject(row: Record<string, unknown>): number {
  let s = 0
  for (const key in row) s += consumeValue(row[key])
  return s
}
