import type { ColumnChunk, OffsetIndex, SchemaElement } from 'hyparquet'
import type { ByteWriter } from 'hyparquet-writer'
import { serializeTCompactProtocol } from 'hyparquet-writer/src/thrift.js'
import { unconvertMinMax } from 'hyparquet-writer/src/unconvert.js'
import type { Bound } from './write-stats.js'

/** What a chunk's ColumnIndex holds. */
export interface ChunkColumnIndex {
  null_pages: boolean[]
  min_values: Uint8Array[]
  max_values: Uint8Array[]
  null_counts: bigint[]
}

/** A chunk's footer entry and page index. */
export interface ChunkIndexes {
  chunk: ColumnChunk
  columnIndex: ChunkColumnIndex | undefined
  offsetIndex: OffsetIndex
}

/**
 * Writes the page index of every chunk (the ColumnIndexes, then the OffsetIndexes) and points the
 * chunks' footer entries at them. Every chunk gets an OffsetIndex, one page or many, so a reader
 * pruning pages under a filter knows every read column's pages.
 */
export function writePageIndexes(out: ByteWriter, chunks: readonly ChunkIndexes[]): void {
  for (const { chunk, columnIndex } of chunks) {
    if (!columnIndex) continue
    const at = out.offset
    serializeTCompactProtocol(out, {
      field_1: columnIndex.null_pages,
      field_2: columnIndex.min_values,
      field_3: columnIndex.max_values,
      field_4: 0, // UNORDERED
      field_5: columnIndex.null_counts,
    })
    chunk.column_index_offset = BigInt(at)
    chunk.column_index_length = out.offset - at
  }
  for (const { chunk, offsetIndex } of chunks) {
    const at = out.offset
    serializeTCompactProtocol(out, {
      field_1: offsetIndex.page_locations.map((p) => ({
        field_1: p.offset,
        field_2: p.compressed_page_size,
        field_3: p.first_row_index,
      })),
    })
    chunk.offset_index_offset = BigInt(at)
    chunk.offset_index_length = out.offset - at
  }
}

/** The bounds of a whole chunk from its pages'. */
export function mergeBounds(pages: readonly Bound[]): Bound {
  let min: unknown
  let max: unknown
  for (const p of pages) {
    if (p.min === undefined) continue
    if (min === undefined || p.less(p.min, min)) min = p.min
    if (max === undefined || p.less(max, p.max)) max = p.max
  }
  return { min, max, nulls: 0, less: pages[0]?.less ?? (() => false) }
}

/** A ColumnIndex of the pages' bounds (none for a single page, or when a non-null page has none). */
export function buildColumnIndex(
  pages: readonly Bound[],
  element: SchemaElement,
): ChunkColumnIndex | undefined {
  if (pages.length <= 1) return undefined
  const index: ChunkColumnIndex = {
    null_pages: [],
    min_values: [],
    max_values: [],
    null_counts: [],
  }
  for (const p of pages) {
    const allNull = p.min === undefined && p.nulls > 0 && p.nullPage === true
    if (allNull) {
      index.null_pages.push(true)
      index.min_values.push(new Uint8Array(0))
      index.max_values.push(new Uint8Array(0))
    } else {
      const min = unconvertMinMax(p.min as never, element, false)
      const max = unconvertMinMax(p.max as never, element, true)
      if (!min || !max) return undefined
      index.null_pages.push(false)
      index.min_values.push(min)
      index.max_values.push(max)
    }
    index.null_counts.push(BigInt(p.nulls))
  }
  return index
}
