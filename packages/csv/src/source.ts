import { type FileHandle, open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { abortErrorFrom, FormatError, fileSystemError, ValidationError } from '@sd/core'

/** An open CSV file: its (decompressed) bytes in chunks, and how many file bytes were read. */
export interface CsvSource {
  /** The file's text bytes, decompressed when the file is gzip. */
  readonly chunks: AsyncIterable<Uint8Array>
  /** File bytes read so far (compressed bytes for a gzip file). */
  readonly bytesRead: number
  /** True when the file is gzip-compressed (detected from its first bytes). */
  readonly gzip: boolean
  /** Closes the file. Safe to call more than once. */
  close(): Promise<void>
}

/** The size and modification time of a file, which together stand for its version. */
export interface FileVersion {
  size: number
  mtimeMs: number
}

const GZIP_MAGIC_0 = 0x1f
const GZIP_MAGIC_1 = 0x8b

/**
 * Opens `path` for streaming: one file descriptor, read `chunkSize` bytes at a time, through
 * `node:zlib` when the file starts with the gzip magic bytes. A missing file is a `NotFoundError`,
 * a corrupt gzip stream a `FormatError` (`CSV_GZIP`).
 */
export async function openSource(
  path: string,
  options: { chunkSize: number; signal?: AbortSignal },
): Promise<CsvSource & { version: FileVersion }> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw fileSystemError(err, path)
  }
  try {
    const stat = await handle.stat()
    if (stat.isDirectory()) {
      throw new ValidationError('Expected a CSV file, got a directory', {
        code: 'EISDIR',
        location: { file: path },
      })
    }
    const magic = Buffer.alloc(2)
    const { bytesRead } = await handle.read(magic, 0, 2, 0)
    const gzip = bytesRead === 2 && magic[0] === GZIP_MAGIC_0 && magic[1] === GZIP_MAGIC_1
    const raw = handle.createReadStream({
      start: 0,
      highWaterMark: options.chunkSize,
      autoClose: false,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    let stream: Readable = raw
    if (gzip) {
      const gunzip = createGunzip({ chunkSize: Math.min(options.chunkSize, 256 << 10) })
      raw.on('error', (err) => gunzip.destroy(err))
      stream = raw.pipe(gunzip)
    }
    let closed: Promise<void> | undefined
    return {
      gzip,
      version: { size: stat.size, mtimeMs: stat.mtimeMs },
      chunks: chunksOf(stream, path, gzip, options.signal),
      get bytesRead() {
        return raw.bytesRead
      },
      close() {
        closed ??= (async () => {
          stream.destroy()
          raw.destroy()
          await handle.close()
        })()
        return closed
      },
    }
  } catch (err) {
    await handle.close()
    throw fileSystemError(err, path)
  }
}

async function* chunksOf(
  stream: Readable,
  path: string,
  gzip: boolean,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array
  } catch (err) {
    if (signal?.aborted) throw abortErrorFrom(signal)
    const code = (err as { code?: unknown })?.code
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
      throw new FormatError(
        `Expected a gzip stream, got corrupt or truncated data: ${(err as Error).message}`,
        {
          code: 'CSV_GZIP',
          cause: err,
          location: { file: path },
        },
      )
    }
    throw fileSystemError(err, path)
  }
}
