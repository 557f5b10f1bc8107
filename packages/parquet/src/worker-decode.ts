import {
  type ColumnData,
  columnToMessage,
  DictionaryColumn,
  FileRangeReader,
  HttpRangeReader,
  type RangeReader,
  SdError,
  throwIfAborted,
  Utf8Column,
} from '@sd/core'
import type { FileMetaData, SchemaTree } from 'hyparquet'
import { parquetMetadata, parquetSchema } from 'hyparquet'
import { type ByteSource, byteSource } from './byte-source.js'
import { loadCodecs } from './codecs.js'
import type { ColumnInfo } from './column-info.js'
import type { DecodeTask, PieceMessage, TaskSource } from './decode-task.js'
import { GroupReader } from './group-reader.js'
import { filterPiece } from './pieces.js'
import { describeColumns } from './schema.js'

interface ParsedFooter {
  metadata: FileMetaData
  tree: SchemaTree
  byName: Map<string, ColumnInfo>
  groupStarts: number[]
}

/** Footers parsed in this thread, by file key (the last few files). */
const footers = new Map<string, ParsedFooter>()
const FOOTERS_KEPT = 8

function parsed(task: DecodeTask): ParsedFooter {
  const key = `${task.key}|${task.int64}`
  let hit = footers.get(key)
  if (!hit) {
    // parsed from a copy: the metadata may keep views of its bytes, and those stay this thread's
    const metadata = parquetMetadata(task.footer.slice())
    const columns = describeColumns(metadata, task.int64)
    const groupStarts: number[] = []
    let start = 0
    for (const group of metadata.row_groups) {
      groupStarts.push(start)
      start += Number(group.num_rows)
    }
    hit = {
      metadata,
      tree: parquetSchema(metadata),
      byName: new Map(columns.map((c) => [c.name, c])),
      groupStarts,
    }
    if (footers.size >= FOOTERS_KEPT) footers.delete(footers.keys().next().value as string)
    footers.set(key, hit)
  }
  return hit
}

async function openSource(source: TaskSource, name: string, signal: AbortSignal): Promise<RangeReader> {
  switch (source.kind) {
    case 'file': {
      const reader = await FileRangeReader.open(source.path, signal)
      if (reader.version !== source.version) {
        await reader.close()
        throw new SdError(
          `The file changed since its footer was read (${source.version} then, ${reader.version} now); open the source again`,
          { code: 'PARQUET_FILE_CHANGED', location: { file: name } },
        )
      }
      return reader
    }
    case 'url':
      return HttpRangeReader.open(source.url, {
        ...source.http,
        signal,
        known: { byteLength: source.byteLength, etag: source.etag },
      })
    case 'bytes':
      return bytesReader(name, source)
  }
}

/** A range reader over the ranges the main thread read and sent. */
function bytesReader(name: string, source: Extract<TaskSource, { kind: 'bytes' }>): RangeReader {
  return {
    name,
    byteLength: source.byteLength,
    version: 'bytes',
    async read(start, end) {
      for (const range of source.ranges) {
        const from = start - range.start
        if (from >= 0 && end - range.start <= range.bytes.length)
          return range.bytes.subarray(from, end - range.start)
      }
      throw new Error(`bytes [${start}, ${end}) were not sent with the task`)
    },
    async close() {},
  }
}

/**
 * Decodes one row group into pieces of the sizes asked for, filters them, and hands each out as a
 * message whose buffers can be transferred. Dictionaries are copied into every piece (they are
 * shared by the pieces of a row group, and a transferred buffer is gone for the next one).
 */
export async function* decodeTask(
  task: DecodeTask,
  signal: AbortSignal,
): AsyncGenerator<{ message: PieceMessage; transfer: ArrayBuffer[] }> {
  await loadCodecs()
  const footer = parsed(task)
  const group = footer.metadata.row_groups[task.rowGroup]
  if (!group) throw new Error(`row group ${task.rowGroup} is not in the footer`)
  const reader = await openSource(task.source, task.name, signal)
  let bytes = 0
  const source: ByteSource = byteSource(reader, signal, (n) => {
    bytes += n
  })
  const columns = task.columns.map((name) => footer.byName.get(name) as ColumnInfo)
  const filter = task.filter && { ...task.filter, partition: new Map(task.filter.partition) }
  let groupReader: GroupReader | undefined
  try {
    groupReader = new GroupReader(
      source,
      {
        metadata: footer.metadata,
        tree: footer.tree,
        rowGroup: task.rowGroup,
        groupStart: footer.groupStarts[task.rowGroup] as number,
        rows: Number(group.num_rows),
        columns,
        file: task.name,
        selection: task.selection,
      },
      task.tuning,
    )
    for (const [i, n] of task.sizes.entries()) {
      throwIfAborted(signal)
      const raw = await groupReader.take(n)
      const piece = filterPiece(raw, n, filter, task.keep)
      const transfer: ArrayBuffer[] = []
      const messages = task.keep.map((name) =>
        columnToMessage(owned(piece.columns.get(name) as ColumnData), transfer),
      )
      const message: PieceMessage = {
        job: task.job,
        rows: piece.rows,
        kept: piece.kept,
        bytes,
        last: i === task.sizes.length - 1,
        columns: messages,
      }
      bytes = 0
      yield { message, transfer }
    }
  } finally {
    groupReader?.release()
    await reader.close()
  }
}

/** A column whose buffers this piece alone holds (a dictionary is shared by the row group's pieces). */
function owned(column: ColumnData): ColumnData {
  if (column.kind !== 'dictionary') return column
  const dict = column.dictionary
  const copy = new Utf8Column(
    dict.type,
    dict.offsets.slice(),
    dict.bytes.slice(),
    dict.validity?.slice(),
    dict.nullCount,
  )
  return new DictionaryColumn(column.indices, copy, column.validity, column.nullCount)
}
