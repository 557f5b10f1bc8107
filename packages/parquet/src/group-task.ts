import type { FileMetaData, SchemaTree } from 'hyparquet'
import type { ColumnInfo } from './column-info.js'

/** A row group to read: where it is and which columns. */
export interface GroupTask {
  metadata: FileMetaData
  tree: SchemaTree
  rowGroup: number
  /** Index of the group's first row in the file. */
  groupStart: number
  rows: number
  columns: readonly ColumnInfo[]
  file: string
  /** The rows and pages the page index keeps under a filter (absent: every row). */
  selection?: PageSelection | undefined
}

/** One data page of a column chunk, as the OffsetIndex places it. */
export interface PageLocation {
  /** File offset of the page header. */
  offset: number
  /** Bytes of header and data. */
  size: number
  /** Index of its first row in the row group. */
  firstRow: number
}

/** What a pruned read of one column chunk reads. */
export interface ColumnPages {
  /** Bytes before the first data page (dictionary page), `[start, end)`, when there are any. */
  prelude: { start: number; end: number } | undefined
  /** Every data page of the chunk, in order (the pages to read are those the ranges touch). */
  pages: PageLocation[]
  /** Indexes into `pages` of the pages read. */
  read: number[]
}

/**
 * The rows of a row group a filter can match, from the page index: row ranges, and the pages of
 * every selected column those ranges touch. Columns stay aligned by row: each column decodes its
 * pages over the same ranges.
 */
export interface PageSelection {
  /** Kept row ranges of the row group, `[start, end)` pairs end to end, sorted and disjoint. */
  ranges: number[]
  /** Rows in the ranges. */
  rows: number
  /** The pages of each read column, by name. */
  columns: Record<string, ColumnPages>
  /** Data pages of the read columns never read, and their bytes. */
  pagesSkipped: number
  bytesSkipped: number
}

/**
 * Byte runs covering `chunks` with as few requests as possible: chunks closer than `gap` bytes
 * share one run. Each chunk's `run` index says which run holds it.
 */
export function mergeRanges(
  chunks: readonly { start: number; end: number }[],
  gap: number,
): { runs: { start: number; end: number }[]; run: number[] } {
  const order = chunks.map((c, i) => ({ ...c, i })).sort((a, b) => a.start - b.start)
  const runs: { start: number; end: number }[] = []
  const run: number[] = new Array(chunks.length)
  for (const c of order) {
    const last = runs[runs.length - 1]
    if (last && c.start - last.end <= gap) last.end = Math.max(last.end, c.end)
    else runs.push({ start: c.start, end: c.end })
    run[c.i] = runs.length - 1
  }
  return { runs, run }
}
