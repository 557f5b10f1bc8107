import { type ErrorLocation, FormatError, isSdError } from '@sd/core'
import type { FileMetaData, RowGroup } from 'hyparquet'
import { parquetMetadata } from 'hyparquet'
import type { ByteSource } from './byte-source.js'
import { checkSchema } from './footer-check.js'
import { checkThrift, FILE_META_DATA } from './thrift-check.js'

const MAGIC = 0x31524150 // "PAR1" little-endian
/** The tail read first; most footers fit, larger ones take a second read. */
const TAIL_BYTES = 64 * 1024

function where(source: ByteSource): ErrorLocation {
  return /^https?:\/\//i.test(source.name) ? { url: source.name } : { file: source.name }
}

/**
 * Reads and parses the footer of one Parquet file; also returns the footer's bytes. An empty file, a file too short to be
 * Parquet, a missing `PAR1` trailer (a truncated or non-Parquet file) and an unreadable footer
 * are {@link FormatError}s naming the file.
 */
export async function readFooter(source: ByteSource): Promise<{ metadata: FileMetaData; bytes: Uint8Array }> {
  const size = source.byteLength
  const location = where(source)
  if (size === 0) {
    throw new FormatError('Expected a Parquet file, got an empty (0-byte) file', {
      code: 'PARQUET_EMPTY_FILE',
      location,
    })
  }
  if (size < 12) {
    throw new FormatError(`Expected a Parquet file of at least 12 bytes (PAR1 ... PAR1), got ${size} bytes`, {
      code: 'PARQUET_TOO_SHORT',
      location,
    })
  }
  const tailStart = Math.max(0, size - TAIL_BYTES)
  let tail = await source.read(tailStart, size)
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength)
  const magic = view.getUint32(tail.byteLength - 4, true)
  if (magic !== MAGIC) {
    throw new FormatError(
      `Expected the file to end with the Parquet trailer "PAR1", got ${hex(tail.subarray(tail.byteLength - 4))}: the file is truncated or not Parquet`,
      { code: 'PARQUET_BAD_MAGIC', location: { ...location, byte: size - 4 } },
    )
  }
  const metadataLength = view.getUint32(tail.byteLength - 8, true)
  if (metadataLength + 8 > size - 4) {
    throw new FormatError(
      `Footer length ${metadataLength} does not fit in a ${size}-byte file: the file is truncated or corrupt`,
      { code: 'PARQUET_BAD_FOOTER', location: { ...location, byte: size - 8 } },
    )
  }
  if (metadataLength + 8 > tail.byteLength) {
    tail = await source.read(size - metadataLength - 8, size)
  }
  let metadata: FileMetaData
  try {
    checkThrift(tail, tail.byteLength - 8 - metadataLength, tail.byteLength - 8, FILE_META_DATA)
    metadata = parquetMetadata(tail)
  } catch (err) {
    if (isSdError(err)) throw err
    throw new FormatError(`Could not parse the footer: ${(err as Error).message}`, {
      code: 'PARQUET_BAD_FOOTER',
      cause: err,
      location: { ...location, byte: size - 8 - metadataLength },
    })
  }
  checkSchema(metadata, location)
  checkLayout(metadata, size - 8 - metadataLength, location)
  // the footer's own bytes (metadata, length, PAR1): what a decode worker parses again
  return { metadata, bytes: tail.slice(tail.byteLength - metadataLength - 8) }
}

/** Every column chunk must lie between the header and the footer, or the file was cut or corrupted. */
function checkLayout(metadata: FileMetaData, footerStart: number, location: ErrorLocation): void {
  let rows = 0n
  metadata.row_groups.forEach((group, rowGroup) => {
    rows += group.num_rows
    for (const chunk of group.columns) {
      const meta = chunk.meta_data
      const column = meta?.path_in_schema.join('.') ?? '?'
      if (!meta) {
        throw new FormatError('Expected column metadata in the footer, found none', {
          code: 'PARQUET_BAD_FOOTER',
          location: { ...location, rowGroup },
        })
      }
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
      const end = start + Number(meta.total_compressed_size)
      if (!(start >= 4 && end <= footerStart && end >= start)) {
        throw new FormatError(
          `Column chunk bytes [${start}, ${end}) lie outside the data section [4, ${footerStart}): the file is truncated or corrupt`,
          { code: 'PARQUET_CHUNK_OUT_OF_RANGE', location: { ...location, rowGroup, column, byte: start } },
        )
      }
    }
  })
  if (rows !== metadata.num_rows) {
    throw new FormatError(
      `Footer says ${metadata.num_rows} rows but its row groups hold ${rows}: the footer is corrupt`,
      { code: 'PARQUET_BAD_FOOTER', location },
    )
  }
}

function hex(bytes: Uint8Array): string {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** The rows of a row group and the bytes `[byteStart, byteEnd)` its column chunks span. */
export function rowGroupSpan(group: RowGroup): { numRows: number; byteStart: number; byteEnd: number } {
  let byteStart = Number.POSITIVE_INFINITY
  let byteEnd = 0
  for (const chunk of group.columns) {
    const meta = chunk.meta_data
    if (!meta) continue
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
    byteStart = Math.min(byteStart, start)
    byteEnd = Math.max(byteEnd, start + Number(meta.total_compressed_size))
  }
  return { numRows: Number(group.num_rows), byteStart: Math.min(byteStart, byteEnd), byteEnd }
}
