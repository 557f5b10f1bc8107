import type { ErrorLocation } from '@sd/core'
import type { ColumnData, DecodedArray, FileMetaData } from 'hyparquet'
import { parquetRead } from 'hyparquet'
import { asyncBuffer, type ByteSource } from './byte-source.js'
import { decompressors } from './codecs.js'
import { pageError } from './column-cursor.js'
import { concatDecoded, sliceDecoded } from './decoded.js'

/**
 * A nested column (list, map, struct) of one row group, decoded whole by hyparquet (which
 * assembles the nesting), then handed out in the row counts asked for.
 */
export class WholeGroupColumn {
  readonly #data: Promise<DecodedArray>
  #pos = 0

  constructor(data: Promise<DecodedArray>) {
    this.#data = data
    // observed by take(); a pass that stops early must not leave it unhandled
    data.catch(() => undefined)
  }

  async take(n: number): Promise<DecodedArray> {
    const data = await this.#data
    const out = sliceDecoded(data, this.#pos, this.#pos + n)
    this.#pos += n
    return out
  }
}

/** Reads and assembles one nested column of row group rows `[groupStart, groupStart + rows)`. */
export async function readNestedColumn(
  source: ByteSource,
  metadata: FileMetaData,
  name: string,
  groupStart: number,
  rows: number,
  location: ErrorLocation,
): Promise<DecodedArray> {
  const chunks: ColumnData[] = []
  try {
    await parquetRead({
      file: asyncBuffer(source),
      metadata,
      columns: [name],
      rowStart: groupStart,
      rowEnd: groupStart + rows,
      compressors: decompressors,
      utf8: false,
      onChunk: (chunk) => chunks.push(chunk),
    })
  } catch (err) {
    throw pageError(err, location)
  }
  // chunks may start before the group range and arrive in any order: order and cut them
  chunks.sort((a, b) => a.rowStart - b.rowStart)
  const first = chunks[0]?.rowStart ?? groupStart
  const data = concatDecoded(chunks.map((c) => c.columnData))
  const out = sliceDecoded(data, groupStart - first, groupStart - first + rows)
  if (out.length !== rows || first > groupStart) {
    throw pageError(
      new Error(`column decoded to ${out.length} rows where the row group has ${rows}`),
      location,
    )
  }
  return out
}
