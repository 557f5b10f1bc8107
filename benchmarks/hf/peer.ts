/**
 * The peer: hyparquet reading each file row group by row group over HTTP through
 * `asyncBufferFromUrl` (one range request per slice, no read-ahead), decoding every column.
 */
import { asyncBufferFromUrl, parquetMetadataAsync, parquetRead } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

/** Reads every row of the files at `urls` (each `byteLength` bytes); returns the row count. */
export async function hyparquetRowGroups(urls: string[], byteLength: number): Promise<number> {
  let rows = 0
  for (const url of urls) {
    const file = await asyncBufferFromUrl({ url, byteLength })
    const metadata = await parquetMetadataAsync(file)
    let start = 0
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows)
      let decoded = 0
      await parquetRead({
        file,
        metadata,
        rowStart: start,
        rowEnd: end,
        compressors,
        onChunk: (chunk) => {
          if (chunk.columnName === 'id') decoded += chunk.rowEnd - chunk.rowStart
        },
      })
      rows += decoded
      start = end
    }
  }
  return rows
}
