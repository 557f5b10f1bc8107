import type { ColumnData } from '@sd/core'
import { filterMask, filterValues } from './filter.js'
import type { ParquetFilter } from './options.js'

/** A row filter and what it compares with. */
export interface PieceFilter {
  filters: ParquetFilter
  strict: boolean
  /** The value of a partition column for this file, by name (`undefined`: not a partition column). */
  partition: ReadonlyMap<string, unknown>
}

/** Decoded rows of one row group, filtered: `columns` by name, `rows` decoded before filtering. */
export interface Piece {
  columns: Map<string, ColumnData>
  rows: number
  kept: number
}

/**
 * Applies `filter` to `n` decoded rows: the rows that match, in every column (the columns are
 * as they were when every row matches). `keep` names the columns the batches carry; the others
 * were read for the filter only and are dropped.
 */
export function filterPiece(
  raw: Map<string, ColumnData>,
  n: number,
  filter: PieceFilter | undefined,
  keep: readonly string[],
): Piece {
  const columns = new Map<string, ColumnData>()
  if (!filter) {
    for (const name of keep) columns.set(name, raw.get(name) as ColumnData)
    return { columns, rows: n, kept: n }
  }
  const mask = filterMask(
    filter.filters,
    filter.strict,
    (name) => {
      const data = raw.get(name)
      if (data !== undefined) return filterValues(data)
      return filter.partition.has(name) ? new Array(n).fill(filter.partition.get(name)) : undefined
    },
    n,
  )
  let kept = 0
  for (let i = 0; i < n; i++) kept += mask[i] as number
  for (const name of keep) {
    const data = raw.get(name) as ColumnData
    columns.set(name, kept === n ? data : data.filter(mask, kept))
  }
  return { columns, rows: n, kept }
}

/**
 * Row counts of the pieces a row group of `rows` rows is decoded in: without a filter, pieces end
 * where batches end (the first completes the batch that `offset` rows of the pass left open), so
 * batches are pieces as they are; with one, pieces of `batchSize` rows.
 */
export function pieceSizes(rows: number, batchSize: number, offset: number, filtered: boolean): number[] {
  const sizes: number[] = []
  let left = rows
  let first = filtered ? batchSize : batchSize - (offset % batchSize)
  while (left > 0) {
    const n = Math.min(left, first)
    sizes.push(n)
    left -= n
    first = batchSize
  }
  return sizes
}
