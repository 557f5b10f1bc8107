import { type FileHandle, open } from 'node:fs/promises'
import { pipeline } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { FormatError, fileSystemError, systemErrorCode, throwIfAborted } from '@sd/core'

/** Options of {@link readChunks}. */
export interface ReadChunksOptions {
  /** Stops reading between chunks; the file closes. */
  signal: AbortSignal
  /** `'auto'`: gunzip a `.gz` file or one that starts with the gzip magic bytes. */
  compression: 'auto' | 'gzip' | 'none'
  /** Bytes per read. */
  chunkBytes: number
  /** Called with the number of file bytes (compressed bytes for gzip) each read took from disk. */
  onBytes: (bytes: number) => void
}

/**
 * The bytes of `file` (gunzipped when compressed) as fresh Buffers, one read at a time, so memory
 * stays at a chunk or two whatever the file size. The file closes when the generator finishes,
 * fails, or is returned early; a missing file is a `NotFoundError`, a corrupt gzip stream a
 * `FormatError` (`JSON_GZIP_CORRUPT`).
 */
export async function* readChunks(file: string, options: ReadChunksOptions): AsyncGenerator<Buffer> {
  const { signal, chunkBytes, onBytes } = options
  throwIfAborted(signal)
  let handle: FileHandle
  try {
    handle = await open(file, 'r')
  } catch (err) {
    throw fileSystemError(err, file, 'open')
  }
  let next: Promise<Buffer> | undefined
  try {
    const first = await readNext(handle, file, chunkBytes)
    const gzip =
      options.compression === 'gzip' ||
      (options.compression === 'auto' && (/\.gz$/i.test(file) || (first[0] === 0x1f && first[1] === 0x8b)))
    if (gzip) {
      yield* gunzipChunks(handle, file, options)
      return
    }
    let chunk = first
    while (chunk.length > 0) {
      // the next read runs while the consumer decodes this chunk
      next = readNext(handle, file, chunkBytes)
      // handled now, awaited later: a failed read must not count as an unhandled rejection while
      // the consumer works on this chunk
      next.catch(() => undefined)
      onBytes(chunk.length)
      yield chunk
      throwIfAborted(signal)
      chunk = await next
      next = undefined
    }
  } finally {
    // let a read in flight settle (its error no longer matters) before the handle closes
    await next?.catch(() => undefined)
    await handle.close()
  }
}

async function readNext(handle: FileHandle, file: string, size: number): Promise<Buffer> {
  // a fresh buffer per read: readers keep views of the previous chunk (a partial line)
  const buffer = Buffer.allocUnsafe(size)
  try {
    const { bytesRead } = await handle.read(buffer, 0, size, null)
    return bytesRead === size ? buffer : buffer.subarray(0, bytesRead)
  } catch (err) {
    throw fileSystemError(err, file)
  }
}

async function* gunzipChunks(handle: FileHandle, file: string, options: ReadChunksOptions) {
  // re-read from byte 0: the sniffing read above consumed the start of the stream
  const raw = handle.createReadStream({ start: 0, highWaterMark: options.chunkBytes, autoClose: false })
  // decompressed chunks as large as the reads (zlib wants at least 64 bytes)
  const gunzip = createGunzip({ chunkSize: Math.max(1024, options.chunkBytes) })
  // errors of either stream surface through the iteration of `gunzip` below
  pipeline(raw, gunzip, () => undefined)
  let reported = 0
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      options.onBytes(raw.bytesRead - reported)
      reported = raw.bytesRead
      yield chunk
      throwIfAborted(options.signal)
    }
  } catch (err) {
    const code = systemErrorCode(err)
    if (code?.startsWith('Z_')) {
      const detail = err instanceof Error ? err.message : String(err)
      throw new FormatError(`Expected a complete gzip stream, got a corrupt or truncated one (${detail})`, {
        code: 'JSON_GZIP_CORRUPT',
        cause: err,
        location: { file, byte: raw.bytesRead },
      })
    }
    throw fileSystemError(err, file)
  } finally {
    raw.destroy()
    gunzip.destroy()
  }
}
