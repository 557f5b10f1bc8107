import { FormatError, HttpRangeReader, isSdError, type StreamingCache } from '@sd/core'
import { type FileMetaData, parquetMetadataAsync } from 'hyparquet'
import { hubFileFetch } from './hub-fetch.js'
import { httpOptions } from './hub-http.js'
import type { HubSettings } from './options.js'
import { RegionBuffer } from './region-buffer.js'
import type { SplitFile } from './resolve.js'

/** Bytes read from the end of a Parquet file at once: the footer of nearly every file fits. */
const FOOTER_FETCH = 1 << 19

/**
 * Opens the files of a resolved split for range reads and keeps what stays true for a commit:
 * where the CDN serves each file, and each Parquet footer (read once per loader).
 */
export class HubFiles {
  readonly #settings: HubSettings
  readonly #fetch: typeof fetch
  readonly #footers = new Map<string, Promise<FileMetaData>>()

  constructor(settings: HubSettings) {
    this.#settings = settings
    this.#fetch = hubFileFetch(settings.fetch, settings.maxRedirects)
  }

  /**
   * A range reader over `file` at the pinned commit. Size and content hash come from the listing,
   * so opening costs no request; every read has the timeouts of the settings, retries, resumes,
   * goes through `cache`, and checks the hash the hub sends back.
   */
  open(
    file: SplitFile,
    cache: StreamingCache | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HttpRangeReader> {
    const { accessToken } = this.#settings
    return HttpRangeReader.open(file.url, {
      ...httpOptions(this.#settings),
      fetch: this.#fetch,
      ...(accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {}),
      cache,
      signal,
      known: { byteLength: file.size, etag: file.etag },
    })
  }

  /**
   * The footer of a Parquet file, read through `buffer` (whose tail region then also serves any
   * row group that lies in the last 512 KiB), once per loader. When the footer is already known
   * and `cached` says the ranges are cached, the tail is still requested: the cache answers it,
   * and the row groups inside it need no request of their own.
   */
  footer(file: SplitFile, buffer: RegionBuffer, cached = false): Promise<FileMetaData> {
    let footer = this.#footers.get(file.url)
    if (footer) {
      if (cached) void buffer.fetch(tailStart(buffer.byteLength), buffer.byteLength)
      return footer
    }
    footer = readFooter(buffer, file.url)
    this.#footers.set(file.url, footer)
    footer.catch(() => this.#footers.delete(file.url))
    return footer
  }

  /** The footer of `file` without streaming it (for metadata). */
  async footerOf(
    file: SplitFile,
    cache: StreamingCache | undefined,
    signal: AbortSignal | undefined,
  ): Promise<FileMetaData> {
    const known = this.#footers.get(file.url)
    if (known) return known
    const reader = await this.open(file, cache, signal)
    try {
      return await this.footer(file, new RegionBuffer(reader, signal))
    } finally {
      await reader.close()
    }
  }
}

function tailStart(size: number): number {
  return Math.max(0, size - FOOTER_FETCH)
}

async function readFooter(buffer: RegionBuffer, url: string): Promise<FileMetaData> {
  const size = buffer.byteLength
  if (size < 12) {
    throw new FormatError(`Expected a Parquet file of at least 12 bytes, got ${size} bytes`, {
      code: 'HF_PARQUET_INVALID',
      location: { url },
    })
  }
  await buffer.fetch(tailStart(size), size)
  try {
    return await parquetMetadataAsync(buffer.asyncBuffer, { initialFetchSize: size - tailStart(size) })
  } catch (err) {
    if (isSdError(err)) throw err
    const detail = err instanceof Error ? err.message : String(err)
    throw new FormatError(`Expected a Parquet footer at the end of the file: ${detail}`, {
      code: 'HF_PARQUET_INVALID',
      cause: err,
      location: { url },
    })
  }
}
