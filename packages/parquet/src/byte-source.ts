import type { RangeReader } from '@sd/core'
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
