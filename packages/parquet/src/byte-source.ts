import type { RangeReader, StreamingCache } from '@sd/core'
import type { AsyncBuffer } from 'hyparquet'

/** Reads byte ranges of one file for one pass, counting what it reads. */
export interface ByteSource {
  readonly name: string
  readonly byteLength: number
  /** Bytes `[start, end)`. */
  read(start: number, end: number): Promise<Uint8Array>
}

/** A {@link ByteSource} over a range reader that reports every read's size to `count`. */
export function byteSource(
  reader: RangeReader,
  signal: AbortSignal | undefined,
  count: (bytes: number) => void,
): ByteSource {
  return {
    name: reader.name,
    byteLength: reader.byteLength,
    async read(start, end) {
      const bytes = await reader.read(start, end, signal)
      count(bytes.byteLength)
      return bytes
    },
  }
}

/**
 * A {@link ByteSource} whose ranges go through `cache`, keyed by name, version (size and mtime,
 * or ETag) and range: a second loader sharing the cache reads them from memory.
 */
export function cachedSource(
  source: ByteSource,
  cache: StreamingCache | undefined,
  version: string,
): ByteSource {
  if (!cache) return source
  return {
    name: source.name,
    byteLength: source.byteLength,
    read(start, end) {
      const key = `parquet-range:${source.name}|${version}|${start}-${end}`
      return cache.getOrLoad(
        key,
        () => source.read(start, end),
        (bytes) => (bytes as Uint8Array).byteLength,
      ) as Promise<Uint8Array>
    },
  }
}

/** A hyparquet `AsyncBuffer` over a {@link ByteSource}. */
export function asyncBuffer(source: ByteSource): AsyncBuffer {
  return {
    byteLength: source.byteLength,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await source.read(start, end ?? source.byteLength)
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
        return bytes.buffer as ArrayBuffer
      }
      return bytes.slice().buffer as ArrayBuffer
    },
  }
}
