/**
 * Random access to the bytes of a file or a remote object. Parquet footers, row groups and page
 * ranges are read through it, whichever the source.
 */
export interface RangeReader {
  /** Total size in bytes. */
  readonly byteLength: number
  /** The path or URL, for error messages. */
  readonly name: string
  /**
   * A version tag for cache keys: the ETag of a remote object, size and modification time of a
   * file. Two reads under the same tag see the same bytes.
   */
  readonly version: string
  /** Bytes `[start, end)`; `end` is clipped to `byteLength`. */
  read(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array>
  /** Releases the file handle or connection state; reads after close fail with a `StateError`. */
  close(): Promise<void>
}

/** Counters every range reader keeps (tests and benchmarks read them). */
export interface RangeReaderStats {
  /** Reads that reached the file or the network (cache hits excluded). */
  requests: number
  /** Bytes that came from the file or the network. */
  bytesRead: number
  /** Reads answered by the cache. */
  cacheHits: number
  /** Retried requests (HTTP only). */
  retries: number
}
