import {
  type ErrorLocation,
  FileRangeReader,
  FormatError,
  type HttpOptions,
  openRange,
  type RangeReader,
  type S3Options,
  SdError,
  type StreamingCache,
  UnsupportedError,
} from '@sd/core'
import type { FileMetaData, SchemaTree } from 'hyparquet'
import { parquetSchema } from 'hyparquet'
import { getPhysicalColumns } from 'hyparquet/src/schema.js'
import { byteSource, cachedSource } from './byte-source.js'
import { READ_CODECS } from './codecs.js'
import type { ColumnInfo } from './column-info.js'
import { readFooter } from './footer.js'
import { describeColumns } from './schema.js'
import type { SourceEntry } from './sources.js'

/** One file of a source with its footer. */
export interface ParquetPart {
  entry: SourceEntry
  byteLength: number
  /** Size and mtime of a file, or the ETag of a URL: a pass checks the file did not change. */
  version: string
  /** The ETag of a URL, to reopen it without probing again. */
  etag: string | undefined
  metadata: FileMetaData
  /** The footer's bytes (metadata, length, `PAR1`), for decode workers to parse. */
  footer: Uint8Array
  tree: SchemaTree
  /** Physical (leaf) column paths, for statistics pruning. */
  physical: string[]
  columns: ColumnInfo[]
  byName: Map<string, ColumnInfo>
  /** Index of each row group's first row in the file. */
  groupStarts: number[]
}

/** How to reach files and URLs. */
export interface ReaderOptions {
  cache: StreamingCache | undefined
  /** Timeouts, retries, `fetch` and headers of URL sources. */
  http: HttpOptions
  /** How INT64 columns come out. */
  int64: 'bigint' | 'number'
  /** Credentials, region and endpoint of `s3://` sources (default: the AWS environment variables). */
  s3?: S3Options | undefined
}

/** Where a part's errors point: `file` or `url`. */
export function partLocation(entry: SourceEntry): ErrorLocation {
  return entry.remote ? { url: entry.name } : { file: entry.name }
}

/**
 * Opens a range reader for `entry` (HTTP through the cache, keyed by URL, ETag and range). A
 * reader the caller handed in is used as it is, behind a `close()` that leaves it open.
 */
export function openReader(
  entry: SourceEntry,
  options: ReaderOptions,
  signal: AbortSignal | undefined,
  known?: { byteLength: number; etag: string },
): Promise<RangeReader> {
  const given = entry.reader
  if (given) return Promise.resolve(borrowed(given))
  if (!entry.remote) return FileRangeReader.open(entry.name, signal)
  return openRange(entry.name, {
    ...options.http,
    s3: options.s3,
    cache: options.cache,
    signal,
    ...(known ? { known } : {}),
  })
}

/** `reader` behind a `close()` that does nothing: its owner closes it. */
function borrowed(reader: RangeReader): RangeReader {
  return {
    get byteLength() {
      return reader.byteLength
    },
    get name() {
      return reader.name
    },
    get version() {
      return reader.version
    },
    read: (start, end, signal) => reader.read(start, end, signal),
    close: () => Promise.resolve(),
  }
}

/** Reads the footer of one file and describes its columns. The reader is closed before returning. */
export async function openPart(
  entry: SourceEntry,
  options: ReaderOptions,
  signal: AbortSignal | undefined,
  count: (bytes: number) => void,
): Promise<ParquetPart> {
  const reader = await openReader(entry, options, signal, entry.known)
  try {
    // footers of local files go through the cache too (a URL's whole range traffic already does)
    const source = byteSource(reader, signal, count)
    // (an HTTP reader caches its own ranges; a caller's reader is keyed by its name and version)
    const { metadata, bytes: footer } = await readFooter(
      entry.remote && !entry.reader ? source : cachedSource(source, options.cache, reader.version),
    )
    const tree = parquetSchema(metadata)
    const columns = describeColumns(metadata, options.int64)
    const groupStarts: number[] = []
    let start = 0
    for (const group of metadata.row_groups) {
      groupStarts.push(start)
      start += Number(group.num_rows)
    }
    const version = reader.version
    return {
      entry,
      byteLength: reader.byteLength,
      version,
      etag: entry.remote && !entry.reader && !version.startsWith('size:') ? version : undefined,
      metadata,
      footer,
      tree,
      physical: getPhysicalColumns(tree),
      columns,
      byName: new Map(columns.map((c) => [c.name, c])),
      groupStarts,
    }
  } finally {
    await reader.close()
  }
}

/** Reopens a part for a pass, failing when the file changed since its footer was read. */
export async function reopenPart(
  part: ParquetPart,
  options: ReaderOptions,
  signal: AbortSignal | undefined,
): Promise<RangeReader> {
  const known = part.etag === undefined ? undefined : { byteLength: part.byteLength, etag: part.etag }
  const reader = await openReader(part.entry, options, signal, known)
  if (reader.version !== part.version || reader.byteLength !== part.byteLength) {
    await reader.close()
    throw new SdError(
      `The file changed since its footer was read (${part.version} then, ${reader.version} now); open the source again`,
      { code: 'PARQUET_FILE_CHANGED', location: partLocation(part.entry) },
    )
  }
  return reader
}

/**
 * Checks what the footer can tell about reading `columns`: every chunk's codec is one this
 * package decodes, chunks live in this file, and hyparquet can decode the column's type.
 */
export function checkReadable(part: ParquetPart, columns: readonly ColumnInfo[]): void {
  const location = partLocation(part.entry)
  for (const info of columns) {
    if (info.unsupported) {
      throw new UnsupportedError(`Column type not supported: ${info.unsupported}`, {
        code: 'PARQUET_UNSUPPORTED_TYPE',
        location: { ...location, column: info.name },
      })
    }
  }
  part.metadata.row_groups.forEach((group, rowGroup) => {
    for (const info of columns) {
      for (const leaf of info.leaves) {
        const chunk = group.columns[leaf]
        const meta = chunk?.meta_data
        if (!chunk || !meta) {
          throw new FormatError(`Expected a chunk for every column, found none for "${info.name}"`, {
            code: 'PARQUET_BAD_FOOTER',
            location: { ...location, rowGroup, column: info.name },
          })
        }
        if (chunk.file_path) {
          throw new UnsupportedError(
            `Column chunks stored in another file ("${chunk.file_path}") are not supported`,
            {
              code: 'PARQUET_EXTERNAL_CHUNK',
              location: { ...location, rowGroup, column: info.name },
            },
          )
        }
        if (!READ_CODECS.has(meta.codec)) {
          throw new UnsupportedError(
            `Compression codec ${meta.codec} is not supported; expected one of ${[...READ_CODECS].join(', ')}`,
            { code: 'PARQUET_UNSUPPORTED_CODEC', location: { ...location, rowGroup, column: info.name } },
          )
        }
      }
    }
  })
}
