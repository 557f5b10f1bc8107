import { randomBytes } from 'node:crypto'
import { type FileHandle, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileSystemError, NotFoundError, systemErrorCode } from '../errors.js'

/** Bytes gathered before one write to the file. */
const FLUSH_BYTES = 1 << 20

/**
 * A file that appears complete or not at all: bytes go to a temporary file beside `path`
 * (`.<name>.<random>.tmp`, so the rename stays on one file system), renamed to `path` by
 * {@link AtomicFile.commit}; {@link AtomicFile.abort} removes it and leaves any existing `path`
 * untouched. Small writes are gathered into writes of about 1 MiB; each `write` resolves once
 * the bytes before it reached the file, so a fast producer waits for the disk.
 *
 * @example
 * ```ts
 * const file = await AtomicFile.create('out.csv')
 * try {
 *   await file.write('id,name\n')
 *   await file.commit()
 * } catch (err) {
 *   await file.abort()
 *   throw err
 * }
 * ```
 */
export class AtomicFile {
  /** The final path. */
  readonly path: string
  /** Where the bytes go until {@link AtomicFile.commit}. */
  readonly tempPath: string
  /** Bytes written so far (those still gathered included). */
  bytesWritten = 0
  readonly #handle: FileHandle
  readonly #encoder = new TextEncoder()
  #pending: Uint8Array[] = []
  #pendingBytes = 0
  #done = false

  private constructor(path: string, tempPath: string, handle: FileHandle) {
    this.path = path
    this.tempPath = tempPath
    this.#handle = handle
  }

  /** Creates the temporary file (`NOT_FOUND` when the folder does not exist, `IO_*` otherwise). */
  static async create(path: string): Promise<AtomicFile> {
    const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      return new AtomicFile(path, tempPath, await open(tempPath, 'wx'))
    } catch (err) {
      if (systemErrorCode(err) === 'ENOENT') {
        throw new NotFoundError(`Cannot create the file: its folder ${dirname(path)} does not exist`, {
          cause: err,
          location: { file: path },
        })
      }
      throw fileSystemError(err, path, 'create')
    }
  }

  /** Appends text (as UTF-8) or bytes. */
  async write(chunk: string | Uint8Array): Promise<void> {
    const bytes = typeof chunk === 'string' ? this.#encoder.encode(chunk) : chunk
    if (bytes.length === 0) return
    this.#pending.push(bytes)
    this.#pendingBytes += bytes.length
    this.bytesWritten += bytes.length
    if (this.#pendingBytes >= FLUSH_BYTES) await this.#flush()
  }

  /** Writes what is gathered, closes the file and renames it to {@link AtomicFile.path}; returns its size. */
  async commit(): Promise<number> {
    await this.#flush()
    this.#done = true
    try {
      await this.#handle.close()
      await rename(this.tempPath, this.path)
    } catch (err) {
      await unlink(this.tempPath).catch(() => undefined)
      throw fileSystemError(err, this.path, 'write')
    }
    return this.bytesWritten
  }

  /** Closes and removes the temporary file; `path` is left as it was. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.#done) return
    this.#done = true
    await this.#handle.close().catch(() => undefined)
    await unlink(this.tempPath).catch(() => undefined)
  }

  async #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return
    const chunks = this.#pending
    this.#pending = []
    this.#pendingBytes = 0
    try {
      await this.#handle.writev(chunks)
    } catch (err) {
      throw fileSystemError(err, this.path, 'write')
    }
  }
}
