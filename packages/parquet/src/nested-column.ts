import type { ColumnData, ErrorLocation } from '@sd/core'
import type { ColumnData as ChunkData, DecodedArray, FileMetaData } from 'hyparquet'
import { parquetRead } from 'hyparquet'
import { asyncBuffer, type ByteSource } from './byte-source.js'
import { pageError } from './chunk-reader.js'
import { decompressors } from './codecs.js'

/**
 * A nested column (list, map, struct) of one row group, decoded whole by hyparquet (which
 * assembles the nesting), then handed out in the row counts asked for.
 */
export class WholeGroupColumn {
  readonly #data: Promise<DecodedArray>
  readonly #finish: (values: DecodedArray) => ColumnData
  readonly #location: ErrorLocation
  #pos = 0

  constructor(
    data: Promise<DecodedArray>,
    finish: (values: DecodedArray) => ColumnData,
    location: ErrorLocation,
  ) {
    this.#data = data
    this.#finish = finish
    this.#location = location
    // observed by take(); a pass that stops early must not leave it unhandled
    data.catch(() => undefined)
  }

  async take(n: number): Promise<ColumnData> {
    const data = await this.#data
    const out = sliceDecoded(data, this.#pos, this.#pos + n)
    this.#pos += n
    try {
      return this.#finish(out)
    } catch (err) {
      throw pageError(err, this.#location)
    }
  }
}

type TypedArray = Exclude<DecodedArray, unknown[]>

/** Values `[start, end)`: a view of a typed array, a copy of a plain one, the array itself when whole. */
function sliceDecoded(values: DecodedArray, start: number, end: number): DecodedArray {
  if (start === 0 && end === values.length) return values
  return Array.isArray(values) ? values.slice(start, end) : (values as TypedArray).subarray(start, end)
}

/** Joins decoded parts end to end. */
function concatDecoded(parts: readonly DecodedArray[]): DecodedArray {
  if (parts.length === 1) return parts[0] as DecodedArray
  const out: unknown[] = []
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i])
  return out
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
  const chunks: ChunkData[] = []
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
