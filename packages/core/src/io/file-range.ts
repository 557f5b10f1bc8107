import { type FileHandle, open } from 'node:fs/promises'
import { fileSystemError, StateError, throwIfAborted, ValidationError } from '../errors.js'
import type { RangeReader, RangeReaderStats } from './range-reader.js'

/**
 * A {@link RangeReader} over a local file through one file descriptor (`FileHandle.read`), which
 * is far cheaper than a stream per read. Close it (or let the loader's `finally` do so).
 */
export class FileRangeReader implements RangeReader {
  readonly name: string
  readonly byteLength: number
  readonly version: string
  /** Modification time in milliseconds. */
  readonly mtimeMs: number
  readonly stats: RangeReaderStats = { requests: 0, bytesRead: 0, cacheHits: 0, retries: 0 }
  #handle: FileHandle | undefined

  private constructor(path: string, handle: FileHandle, size: number, mtimeMs: number) {
    this.name = path
    this.#handle = handle
    this.byteLength = size
    this.mtimeMs = mtimeMs
    this.version = `${size}:${mtimeMs}`
  }

  /**
   * Opens `path` for reading. A missing file is a `NotFoundError`, a directory a `ValidationError`,
   * anything else an `IoError`, each naming the file.
   */
  static async open(path: string, signal?: AbortSignal): Promise<FileRangeReader> {
    throwIfAborted(signal)
    let handle: FileHandle
    try {
      handle = await open(path, 'r')
    } catch (err) {
      throw fileSystemError(err, path, 'open')
    }
    try {
      const stat = await handle.stat()
      if (!stat.isFile()) {
        throw new ValidationError('Expected a regular file', { code: 'NOT_A_FILE', location: { file: path } })
      }
      return new FileRangeReader(path, handle, stat.size, stat.mtimeMs)
    } catch (err) {
      await handle.close()
      throw fileSystemError(err, path, 'stat')
    }
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#handle === undefined
  }

  async read(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    const to = Math.min(end, this.byteLength)
    if (!(start >= 0) || start > to) {
      throw new ValidationError(`Invalid byte range [${start}, ${end}) of a ${this.byteLength}-byte file`, {
        code: 'INVALID_RANGE',
        location: { file: this.name, byte: start },
      })
    }
    return this.readInto(new Uint8Array(to - start), start, signal)
  }

  /**
   * Reads bytes from `start` into `out` (as many as fit, up to the end of the file) and returns the
   * part of `out` filled: a caller that reuses its buffers saves an allocation, and its page faults,
   * per read.
   */
  async readInto(out: Uint8Array, start: number, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal)
    const handle = this.#handle
    if (!handle) throw new StateError('Read after close', { code: 'CLOSED', location: { file: this.name } })
    if (!(start >= 0) || start > this.byteLength) {
      throw new ValidationError(
        `Invalid byte range [${start}, ${start + out.length}) of a ${this.byteLength}-byte file`,
        {
          code: 'INVALID_RANGE',
          location: { file: this.name, byte: start },
        },
      )
    }
    const length = Math.min(out.length, this.byteLength - start)
    let done = 0
    try {
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, start + done)
        if (bytesRead === 0) break
        done += bytesRead
      }
    } catch (err) {
      throw fileSystemError(err, this.name, 'read')
    }
    this.stats.requests++
    this.stats.bytesRead += done
    // a file that shrank under us reads short: hand back only what is there
    return done === out.length ? out : out.subarray(0, done)
  }

  async close(): Promise<void> {
    const handle = this.#handle
    this.#handle = undefined
    await handle?.close()
  }
}
