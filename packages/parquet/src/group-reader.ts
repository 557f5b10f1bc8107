import type { ColumnData, ErrorLocation, Field } from '@sd/core'
import type { ByteSource } from './byte-source.js'
import { ChunkBytes } from './chunk-bytes.js'
import { ChunkReader } from './chunk-reader.js'
import type { ColumnInfo } from './column-info.js'
import { type GroupTask, mergeRanges } from './group-task.js'
import { readNestedColumn, WholeGroupColumn } from './nested-column.js'
import type { OpenBatch } from './open-batch.js'
import { holdPageBuffers, releasePageBuffers } from './page-buffers.js'
import { selectedRanges } from './page-index.js'
import { readVectorChunk, WholeVectorColumn } from './vector-chunk.js'

/** How a row group's bytes are read. */
export interface ReadTuning {
  /** Row groups whose selected chunks total at most this many bytes are read in one go. */
  coalesceBytes: number
  /** Larger ones are read column by column in windows of this many bytes. */
  windowBytes: number
  /** Unselected bytes between two selected chunks that are read anyway to save a request. */
  gapBytes: number
  /** A local file: windows are re-read where a page starts instead of joined (see {@link ChunkBytes}). */
  local: boolean
}

/** Rows a task decodes: the row group's, or those of the kept page ranges. */
export function taskRows(task: GroupTask): number {
  return task.selection ? task.selection.rows : task.rows
}

interface ColumnReader {
  take(n: number): Promise<ColumnData>
  release?(): void
}

/** Compressed bytes of the task's selected column chunks. */
export function taskBytes(task: GroupTask): number {
  let total = 0
  if (task.selection) {
    for (const r of chunkRanges(task)) total += r.end - r.start
    return total
  }
  const group = task.metadata.row_groups[task.rowGroup]
  for (const info of task.columns) {
    for (const leaf of info.leaves)
      total += Number(group?.columns[leaf]?.meta_data?.total_compressed_size ?? 0)
  }
  return total
}

/**
 * Bytes a {@link GroupReader} for `task` reads as soon as it is created: the whole group when it
 * is small, else one window per flat column (and every nested column whole).
 */
export function upfrontBytes(task: GroupTask, tuning: ReadTuning): number {
  const total = taskBytes(task)
  if (total <= tuning.coalesceBytes || task.selection) return total
  const group = task.metadata.row_groups[task.rowGroup]
  let bytes = 0
  for (const info of task.columns) {
    for (const leaf of info.leaves) {
      const size = Number(group?.columns[leaf]?.meta_data?.total_compressed_size ?? 0)
      bytes += info.flat ? Math.min(size, tuning.windowBytes) : size
    }
  }
  return bytes
}

/**
 * Reads one row group's selected columns, in row ranges of any size. Creating it starts the
 * reads (so groups can be read ahead); flat columns decode page by page, nested ones whole.
 */
export class GroupReader {
  readonly task: GroupTask
  /** Bytes this reader fetches as soon as it is created. */
  readonly upfrontBytes: number
  readonly #readers = new Map<string, ColumnReader>()
  readonly #fields = new Map<string, Field>()
  #released = false

  constructor(source: ByteSource, task: GroupTask, tuning: ReadTuning) {
    this.task = task
    for (const info of task.columns) this.#fields.set(info.name, info.field)
    const group = task.metadata.row_groups[task.rowGroup]
    if (!group) throw new Error(`row group ${task.rowGroup} missing`)
    const flat: { info: ColumnInfo; start: number; end: number }[] = []
    for (const info of task.columns) {
      if (!info.flat) continue
      const meta = group.columns[info.leaves[0] as number]?.meta_data
      if (!meta) throw new Error(`column ${info.name} has no metadata`)
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
      flat.push({ info, start, end: start + Number(meta.total_compressed_size) })
    }
    const total = taskBytes(task)
    this.upfrontBytes = upfrontBytes(task, tuning)
    const selection = task.selection
    const preloaded =
      total <= tuning.coalesceBytes && !selection ? coalescedReads(source, flat, tuning.gapBytes) : undefined
    for (const [i, { info, start, end }] of flat.entries()) {
      const location: ErrorLocation = { file: task.file, rowGroup: task.rowGroup, column: info.name }
      const first = preloaded?.[i]
      const pages = selection?.columns[info.name]
      const bytes = new ChunkBytes(source, start, end, {
        window: first ? end - start : tuning.windowBytes,
        local: tuning.local,
        first,
        ranges: pages && selectedRanges(pages),
      })
      const meta = group.columns[info.leaves[0] as number]?.meta_data
      const spec = info.spec as NonNullable<ColumnInfo['spec']>
      const codec = meta?.codec ?? 'UNCOMPRESSED'
      const nulls = meta?.statistics?.null_count
      this.#readers.set(
        info.name,
        new ChunkReader(
          bytes,
          { ...spec, ctx: { ...spec.ctx, codec } },
          task.rows,
          location,
          nulls === undefined ? undefined : Number(nulls),
          pages && selection && { pages, ranges: selection.ranges },
        ),
      )
    }
    for (const info of task.columns) {
      if (info.flat) continue
      const location: ErrorLocation = { file: task.file, rowGroup: task.rowGroup, column: info.name }
      const meta = group.columns[info.leaves[0] as number]?.meta_data
      if (info.vector && info.vector.dimension > 0 && meta) {
        const data = readVectorChunk(source, meta, task.rows, info.vector, location)
        this.#readers.set(info.name, new WholeVectorColumn(data))
        continue
      }
      const data = readNestedColumn(source, task.metadata, info.name, task.groupStart, task.rows, location)
      this.#readers.set(info.name, new WholeGroupColumn(data, info.finishNested, location))
    }
    // (last: a constructor that throws holds nothing)
    holdPageBuffers()
  }

  /** The next `n` rows of every selected column. */
  async take(n: number): Promise<Map<string, ColumnData>> {
    const out = new Map<string, ColumnData>()
    for (const [name, reader] of this.#readers) out.set(name, await reader.take(n))
    return out
  }

  /** Decodes the next `n` rows of every selected column into `batch` (which may span row groups). */
  async fill(batch: OpenBatch, n: number): Promise<void> {
    for (const [name, reader] of this.#readers) {
      if (reader instanceof ChunkReader) await batch.fillFlat(name, reader, n)
      else batch.addPart(name, this.#fields.get(name) as Field, await reader.take(n))
    }
    batch.advance(n)
  }

  /** Drops buffers and read-ahead. */
  release(): void {
    for (const reader of this.#readers.values()) reader.release?.()
    this.#readers.clear()
    if (!this.#released) {
      this.#released = true
      releasePageBuffers()
    }
  }
}

/** The byte ranges of a task's selected column chunks, in file order. */
export function chunkRanges(task: GroupTask): { start: number; end: number }[] {
  const group = task.metadata.row_groups[task.rowGroup]
  const out: { start: number; end: number }[] = []
  for (const info of task.columns) {
    const pages = task.selection?.columns[info.name]
    if (pages) {
      out.push(...selectedRanges(pages))
      continue
    }
    for (const leaf of info.leaves) {
      const meta = group?.columns[leaf]?.meta_data
      if (!meta) continue
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
      out.push({ start, end: start + Number(meta.total_compressed_size) })
    }
  }
  return out
}

/** Reads the chunks with as few requests as possible; each chunk's bytes, in the order given. */
function coalescedReads(
  source: ByteSource,
  chunks: readonly { start: number; end: number }[],
  gap: number,
): Promise<Uint8Array>[] {
  const { runs, run } = mergeRanges(chunks, gap)
  const reads = runs.map((r) => {
    const read = source.read(r.start, r.end)
    read.catch(() => undefined)
    return read
  })
  return chunks.map((c, i) => {
    const r = runs[run[i] as number] as { start: number; end: number }
    return (reads[run[i] as number] as Promise<Uint8Array>).then((bytes) =>
      bytes.subarray(c.start - r.start, c.end - r.start),
    )
  })
}
