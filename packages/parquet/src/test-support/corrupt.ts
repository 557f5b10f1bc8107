/** Test helpers that damage Parquet files in the ways real corruption does. */
import type { FileMetaData, PageHeader } from 'hyparquet'
import { parquetMetadata } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import { ByteWriter } from 'hyparquet-writer'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'

/** Where the footer starts, and its parsed metadata. */
export function footerOf(bytes: Uint8Array): { start: number; metadata: FileMetaData } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = view.getUint32(bytes.length - 8, true)
  return { start: bytes.length - 8 - length, metadata: parquetMetadata(bytes) }
}

/**
 * The file with its footer re-encoded after `mutate` changed the metadata (statistics dropped, so
 * the encoder never looks a column up in a schema the mutation broke).
 */
export function rewriteFooter(bytes: Uint8Array, mutate: (metadata: FileMetaData) => void): Uint8Array {
  const { start, metadata } = footerOf(bytes)
  for (const group of metadata.row_groups)
    for (const chunk of group.columns) if (chunk.meta_data) delete chunk.meta_data.statistics
  mutate(metadata)
  const writer = new ByteWriter()
  writeMetadata(writer, metadata)
  writer.appendUint32(0x31524150)
  const footer = new Uint8Array(writer.getBytes())
  const out = new Uint8Array(start + footer.length)
  out.set(bytes.subarray(0, start))
  out.set(footer, start)
  return out
}

/** The page headers of a column chunk: each header's byte range and what it says. */
export function pageHeaders(
  bytes: Uint8Array,
  rowGroup: number,
  column: number,
): { start: number; end: number; header: PageHeader }[] {
  const { metadata } = footerOf(bytes)
  const meta = metadata.row_groups[rowGroup]?.columns[column]?.meta_data
  if (!meta) throw new Error(`no column ${column} in row group ${rowGroup}`)
  let pos = Number(meta.dictionary_page_offset || meta.data_page_offset)
  const end = pos + Number(meta.total_compressed_size)
  const out: { start: number; end: number; header: PageHeader }[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  while (pos < end) {
    const reader = { view, offset: pos }
    const header = parquetHeader(reader)
    out.push({ start: pos, end: reader.offset, header })
    pos = reader.offset + header.compressed_page_size
  }
  return out
}

/**
 * A copy of the file whose first data page of the chunk says `PLAIN_DICTIONARY` where it says
 * `PLAIN` (the thrift field `encoding: 0` patched to `2` in place).
 */
export function plainToDictionary(bytes: Uint8Array, rowGroup: number, column: number): Uint8Array {
  const page = pageHeaders(bytes, rowGroup, column).find((p) => p.header.type === 'DATA_PAGE')
  if (page?.header.data_page_header?.encoding !== 'PLAIN') throw new Error('no PLAIN data page there')
  const out = bytes.slice()
  // data_page_header: field 1 num_values (0x15, varint), field 2 encoding (0x15, 0x00 for PLAIN)
  for (let i = page.start; i < page.end - 1; i++) {
    if (out[i] !== 0x15) continue
    let j = i + 1
    while ((out[j] as number) & 0x80) j++
    if (out[j + 1] === 0x15 && out[j + 2] === 0x00) {
      out[j + 2] = 0x04 // zigzag(2): PLAIN_DICTIONARY
      const check = pageHeaders(out, rowGroup, column).find((p) => p.start === page.start)
      if (check?.header.data_page_header?.encoding === 'PLAIN_DICTIONARY') return out
      out[j + 2] = 0x00
    }
  }
  throw new Error('could not find the encoding field')
}
