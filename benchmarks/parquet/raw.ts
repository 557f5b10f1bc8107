/** Raw hyparquet, read the way the suite compares against: one `parquetRead` per row group. */
import {
  type AsyncBuffer,
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
} from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

/** A file opened with hyparquet's own `asyncBufferFromFile`, with its footer and row-group ranges. */
export interface RawFile {
  buffer: AsyncBuffer
  metadata: FileMetaData
  /** `[rowStart, rowEnd)` of every row group. */
  groups: [number, number][]
}

/** Opens `file` as a user of raw hyparquet would. */
export async function openRaw(file: string): Promise<RawFile> {
  const buffer = await asyncBufferFromFile(file)
  const metadata = await parquetMetadataAsync(buffer)
  const groups: [number, number][] = []
  let at = 0
  for (const group of metadata.row_groups) {
    groups.push([at, at + Number(group.num_rows)])
    at += Number(group.num_rows)
  }
  return { buffer, metadata, groups }
}

/** Reads `ranges` with `onChunk` and the hyparquet-compressors decompressors; returns the rows of column `id`. */
export async function readRawChunks(raw: RawFile, ranges: [number, number][] = raw.groups): Promise<number> {
  let rows = 0
  for (const [rowStart, rowEnd] of ranges) {
    await parquetRead({
      file: raw.buffer,
      metadata: raw.metadata,
      rowStart,
      rowEnd,
      compressors,
      onChunk: (chunk) => {
        if (chunk.columnName === 'id') rows += chunk.columnData.length
      },
    })
  }
  return rows
}
