import { closeSync, read, readSync, writeSync } from 'node:fs'
import { fileSystemError } from '@sd/core'

/** Largest single read or write: Linux moves at most 2 GiB - 4 KiB per call. */
const MAX_IO = 1 << 30

/**
 * A file descriptor shared by the synchronous paths and in-flight asynchronous reads. `close()`
 * takes effect at once for new work, but the descriptor itself closes only after every
 * asynchronous read settled, so a pending read can never land on a reused descriptor number.
 */
export class SharedFd {
  readonly fd: number
  readonly path: string
  #pending = 0
  #closing = false
  #released = false

  constructor(fd: number, path: string) {
    this.fd = fd
    this.path = path
  }

  /** Marks the descriptor closed; it is released now, or when the last pending read settles. */
  close(): void {
    this.#closing = true
    this.#release()
  }

  #release(): void {
    if (this.#closing && this.#pending === 0 && !this.#released) {
      this.#released = true
      closeSync(this.fd)
    }
  }

  /** Reads `target.length` bytes at `position` (fewer only at the end of the file); returns the count. */
  readSync(target: Uint8Array, position: number): number {
    let done = 0
    try {
      while (done < target.length) {
        const n = readSync(this.fd, target, done, Math.min(MAX_IO, target.length - done), position + done)
        if (n === 0) break
        done += n
      }
    } catch (err) {
      throw fileSystemError(err, this.path, 'read')
    }
    return done
  }

  /** {@link SharedFd.readSync} on the thread pool, so the caller can compute meanwhile. */
  async read(target: Uint8Array, position: number): Promise<number> {
    this.#pending++
    try {
      let done = 0
      while (done < target.length) {
        const n = await new Promise<number>((resolve, reject) => {
          read(
            this.fd,
            target,
            done,
            Math.min(MAX_IO, target.length - done),
            position + done,
            (err, bytes) => (err ? reject(err) : resolve(bytes)),
          )
        })
        if (n === 0) break
        done += n
      }
      return done
    } catch (err) {
      throw fileSystemError(err, this.path, 'read')
    } finally {
      this.#pending--
      this.#release()
    }
  }

  /** Writes all of `source` at `position`. */
  writeSync(source: Uint8Array, position: number): void {
    let done = 0
    while (done < source.length) {
      done += writeSync(this.fd, source, done, Math.min(MAX_IO, source.length - done), position + done)
    }
  }
}

/** The bytes of a float32 array, without copying. */
export function bytesOf(array: Float32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
}

/** A float32 array of `length` values whose memory is not zeroed first (it is read into at once). */
export function uninitializedFloat32(length: number): Float32Array {
  const buffer = Buffer.allocUnsafeSlow(length * 4)
  return new Float32Array(buffer.buffer, buffer.byteOffset, length)
}
