import { type ErrorLocation, FormatError } from '@sd/core'
import type { ColumnIndex, OffsetIndex } from 'hyparquet'
import { readColumnIndex, readOffsetIndex } from 'hyparquet/src/indexes.js'
import type { ByteSource } from './byte-source.js'
import type { ColumnInfo } from './column-info.js'
import { type Bounds, canSkipBounds } from './filter.js'
import {
  type ColumnPages,
  type GroupTask,
  mergeRanges,
  type PageLocation,
  type PageSelection,
} from './group-task.js'
import type { ParquetFilter } from './options.js'

/** The page index of one column chunk. */
interface ChunkIndex {
  offset: OffsetIndex | undefined
  column: ColumnIndex | undefined
}

/** Page indexes of some row groups of one file: `[rowGroup][leaf]`. */
export type FileIndexes = Map<number, Map<number, ChunkIndex>>

function badIndex(message: string, location: ErrorLocation, cause?: unknown): FormatError {
  return new FormatError(message, {
    code: 'PARQUET_BAD_PAGE_INDEX',
    location,
    ...(cause === undefined ? {} : { cause }),
  })
}

/** True when any chunk of `tasks`' read columns has an OffsetIndex: worth reading the page index. */
export function hasPageIndex(tasks: readonly GroupTask[]): boolean {
  for (const task of tasks) {
    const group = task.metadata.row_groups[task.rowGroup]
    for (const info of task.columns) {
      for (const leaf of info.leaves) if (group?.columns[leaf]?.offset_index_offset !== undefined) return true
    }
  }
  return false
}

/**
 * Reads the OffsetIndex of every read column and the ColumnIndex of the filter columns, for the
 * row groups of `tasks` (one request per run of nearby index bytes).
 */
export async function readPageIndexes(
  source: ByteSource,
  tasks: readonly GroupTask[],
  filterColumns: ReadonlySet<string>,
): Promise<FileIndexes> {
  type Want = {
    rowGroup: number
    leaf: number
    info: ColumnInfo
    kind: 'offset' | 'column'
    start: number
    end: number
  }
  const wants: Want[] = []
  for (const task of tasks) {
    const group = task.metadata.row_groups[task.rowGroup]
    for (const info of task.columns) {
      if (!info.flat) continue
      const leaf = info.leaves[0] as number
      const chunk = group?.columns[leaf]
      if (!chunk) continue
      const push = (kind: 'offset' | 'column', offset: bigint | undefined, length: number | undefined) => {
        if (offset === undefined || length === undefined) return
        const start = Number(offset)
        const end = start + length
        if (!(start >= 0 && length > 0 && end <= source.byteLength)) {
          throw badIndex(
            `The ${kind} index lies outside the file ([${start}, ${end}) of ${source.byteLength} bytes)`,
            {
              file: task.file,
              rowGroup: task.rowGroup,
              column: info.name,
            },
          )
        }
        wants.push({ rowGroup: task.rowGroup, leaf, info, kind, start, end })
      }
      push('offset', chunk.offset_index_offset, chunk.offset_index_length)
      if (filterColumns.has(info.name)) push('column', chunk.column_index_offset, chunk.column_index_length)
    }
  }
  const out: FileIndexes = new Map()
  if (wants.length === 0) return out
  const { runs, run } = mergeRanges(wants, 64 * 1024)
  const bytes = await Promise.all(runs.map((r) => source.read(r.start, r.end)))
  for (const [i, want] of wants.entries()) {
    const r = runs[run[i] as number] as { start: number }
    const buffer = bytes[run[i] as number] as Uint8Array
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    const reader = { view, offset: want.start - r.start }
    const location = { file: tasks[0]?.file ?? source.name, rowGroup: want.rowGroup, column: want.info.name }
    let group = out.get(want.rowGroup)
    if (!group) {
      group = new Map()
      out.set(want.rowGroup, group)
    }
    let entry = group.get(want.leaf)
    if (!entry) {
      entry = { offset: undefined, column: undefined }
      group.set(want.leaf, entry)
    }
    try {
      if (want.kind === 'offset') entry.offset = readOffsetIndex(reader)
      else entry.column = readColumnIndex(reader, want.info.element)
    } catch (err) {
      throw badIndex(
        `Expected a valid ${want.kind} index, could not parse it: ${(err as Error).message}`,
        location,
        err,
      )
    }
    if (reader.offset > want.end - r.start) {
      throw badIndex(`The ${want.kind} index runs past its length (${want.end - want.start} bytes)`, location)
    }
  }
  return out
}

/** The data pages of a chunk from its OffsetIndex, checked against the chunk and the row group. */
function pageLocations(
  index: OffsetIndex,
  chunkStart: number,
  chunkEnd: number,
  rows: number,
  location: ErrorLocation,
): PageLocation[] {
  const list = index.page_locations
  if (!Array.isArray(list) || list.length === 0) throw badIndex('The offset index lists no pages', location)
  const pages: PageLocation[] = []
  for (const [i, loc] of list.entries()) {
    const offset = Number(loc.offset)
    const size = loc.compressed_page_size
    const firstRow = Number(loc.first_row_index)
    const prev = pages[i - 1]
    const ok =
      Number.isSafeInteger(offset) &&
      Number.isInteger(size) &&
      size > 0 &&
      offset >= chunkStart &&
      offset + size <= chunkEnd &&
      Number.isSafeInteger(firstRow) &&
      firstRow >= 0 &&
      firstRow < rows &&
      (prev ? offset >= prev.offset + prev.size && firstRow > prev.firstRow : firstRow === 0)
    if (!ok) {
      throw badIndex(
        `Offset index page ${i} (offset ${offset}, ${size} bytes, first row ${firstRow}) does not fit its column chunk [${chunkStart}, ${chunkEnd}) of ${rows} rows`,
        location,
      )
    }
    pages.push({ offset, size, firstRow })
  }
  return pages
}

/** The bounds of page `p` of a column from its ColumnIndex. */
function pageBounds(index: ColumnIndex, p: number, rows: number): Bounds | undefined {
  if (index.null_pages?.[p]) return { min: undefined, max: undefined, nulls: rows, rows }
  const nulls = index.null_counts?.[p]
  return {
    min: index.min_values?.[p],
    max: index.max_values?.[p],
    nulls: nulls === undefined ? undefined : Number(nulls),
    rows,
  }
}

/**
 * Which rows and pages of `task` a read with `filter` needs, from the page index: `undefined` when
 * the index cannot prune (or prunes nothing), `'none'` when no row can match, else the selection.
 * Every read column must be flat and have an OffsetIndex; the filter columns with a ColumnIndex
 * decide (the others are unknown and keep their rows).
 */
export function selectPages(
  task: GroupTask,
  indexes: Map<number, ChunkIndex> | undefined,
  filter: ParquetFilter,
  partitions: readonly { name: string; value: unknown }[],
): PageSelection | 'none' | undefined {
  if (!indexes) return undefined
  const group = task.metadata.row_groups[task.rowGroup]
  if (!group) return undefined
  const rows = task.rows
  const columns = new Map<string, { pages: PageLocation[]; prelude: ColumnPages['prelude'] }>()
  const decide: { name: string; pages: PageLocation[]; index: ColumnIndex }[] = []
  for (const info of task.columns) {
    if (!info.flat) return undefined
    const leaf = info.leaves[0] as number
    const entry = indexes.get(leaf)
    const meta = group.columns[leaf]?.meta_data
    if (!entry?.offset || !meta) return undefined
    const chunkStart = Number(meta.dictionary_page_offset || meta.data_page_offset)
    const chunkEnd = chunkStart + Number(meta.total_compressed_size)
    const location = { file: task.file, rowGroup: task.rowGroup, column: info.name }
    const pages = pageLocations(entry.offset, chunkStart, chunkEnd, rows, location)
    const first = (pages[0] as PageLocation).offset
    columns.set(info.name, {
      pages,
      prelude: first > chunkStart ? { start: chunkStart, end: first } : undefined,
    })
    const ci = entry.column
    if (ci) {
      if (!Array.isArray(ci.null_pages) || ci.null_pages.length !== pages.length) {
        throw badIndex(
          `The column index describes ${ci.null_pages?.length ?? 0} pages where the offset index has ${pages.length}`,
          location,
        )
      }
      decide.push({ name: info.name, pages, index: ci })
    }
  }
  if (decide.length === 0) return undefined
  // segments between every page boundary of the deciding columns
  const cuts = new Set<number>([0, rows])
  for (const d of decide) for (const p of d.pages) cuts.add(p.firstRow)
  const bounds = [...cuts].sort((a, b) => a - b)
  const at = decide.map(() => 0)
  const ranges: number[] = []
  for (let s = 0; s + 1 < bounds.length; s++) {
    const start = bounds[s] as number
    const end = bounds[s + 1] as number
    const skip = canSkipBounds(filter, (name) => {
      const partition = partitions.find((p) => p.name === name)
      if (partition) {
        const value = partition.value
        return value === null
          ? { min: undefined, max: undefined, nulls: end - start, rows: end - start }
          : { min: value, max: value, nulls: 0, rows: end - start }
      }
      const k = decide.findIndex((d) => d.name === name)
      if (k < 0) return undefined
      const d = decide[k] as (typeof decide)[number]
      let p = at[k] as number
      while (p + 1 < d.pages.length && (d.pages[p + 1] as PageLocation).firstRow <= start) p++
      at[k] = p
      const pageEnd = p + 1 < d.pages.length ? (d.pages[p + 1] as PageLocation).firstRow : rows
      return pageBounds(d.index, p, pageEnd - (d.pages[p] as PageLocation).firstRow)
    })
    if (skip) continue
    if (ranges.length > 0 && ranges[ranges.length - 1] === start) ranges[ranges.length - 1] = end
    else ranges.push(start, end)
  }
  if (ranges.length === 0) return 'none'
  if (ranges.length === 2 && ranges[0] === 0 && ranges[1] === rows) return undefined
  let kept = 0
  for (let i = 0; i < ranges.length; i += 2) kept += (ranges[i + 1] as number) - (ranges[i] as number)
  const selection: PageSelection = { ranges, rows: kept, columns: {}, pagesSkipped: 0, bytesSkipped: 0 }
  for (const [name, { pages, prelude }] of columns) {
    const read: number[] = []
    let r = 0
    for (const [p, page] of pages.entries()) {
      const end = p + 1 < pages.length ? (pages[p + 1] as PageLocation).firstRow : rows
      while (r < ranges.length && (ranges[r + 1] as number) <= page.firstRow) r += 2
      if (r < ranges.length && (ranges[r] as number) < end) read.push(p)
      else {
        selection.pagesSkipped++
        selection.bytesSkipped += page.size
      }
    }
    selection.columns[name] = { prelude, pages, read }
  }
  return selection
}

/** The byte ranges a pruned read of one column reads: the prelude and the pages read, merged. */
export function selectedRanges(pages: ColumnPages): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = []
  const add = (start: number, end: number) => {
    const last = out[out.length - 1]
    if (last && last.end === start) last.end = end
    else out.push({ start, end })
  }
  if (pages.prelude) add(pages.prelude.start, pages.prelude.end)
  for (const p of pages.read) {
    const page = pages.pages[p] as PageLocation
    add(page.offset, page.offset + page.size)
  }
  return out
}
