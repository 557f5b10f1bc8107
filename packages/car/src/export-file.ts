import { createHash } from 'node:crypto'
import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { fileSystemError, throwIfAborted } from '@sd/core'
import { CarError } from './errors.js'
import type { UnixFsFile } from './unixfs-file.js'

/** What {@link CarReader.exportFile} wrote. */
export interface ExportResult {
  path: string
  bytes: number
  /** sha2-256 of the bytes written, as hex. */
  sha256: string
}

/** Bytes per read while exporting (one more read is under way while one is written). */
const WINDOW_BYTES = 8 << 20

/**
 * Writes the whole of a UnixFS file to `outPath`, every block checked on the way, through a
 * temporary file renamed into place at the end: a failure leaves no partial file and does not
 * touch an existing one. When `expectedSha256` is given (the manifest's), the bytes must hash to
 * it (`CAR_BAD_MANIFEST` otherwise).
 */
export async function exportUnixFsFile(
  file: UnixFsFile,
  outPath: string,
  options: { signal?: AbortSignal | undefined; expectedSha256?: string | undefined } = {},
): Promise<ExportResult> {
  const { signal } = options
  const tmp = `${outPath}.${process.pid}.${Date.now().toString(36)}.partial`
  let handle: FileHandle
  try {
    handle = await open(tmp, 'w')
  } catch (err) {
    throw fileSystemError(err, outPath, 'create')
  }
  let done = false
  try {
    const hash = createHash('sha256')
    const size = file.byteLength
    const readAt = (from: number) => {
      const reading = file.read(from, Math.min(size, from + WINDOW_BYTES), signal)
      // a read left behind by a failed write must not become an unhandled rejection
      reading.catch(() => undefined)
      return reading
    }
    let next = readAt(0)
    for (let at = 0; at < size; ) {
      throwIfAborted(signal)
      const bytes = await next
      const after = at + bytes.length
      if (after < size) next = readAt(after)
      hash.update(bytes)
      try {
        await handle.write(bytes, 0, bytes.length, at)
      } catch (err) {
        throw fileSystemError(err, outPath, 'write')
      }
      at = after
    }
    const sha256 = hash.digest('hex')
    if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256) {
      throw new CarError(`The file's bytes hash to ${sha256}, the manifest says ${options.expectedSha256}`, {
        code: 'CAR_BAD_MANIFEST',
        cid: file.root.toString(),
      })
    }
    await handle.close()
    done = true
    try {
      await rename(tmp, outPath)
    } catch (err) {
      throw fileSystemError(err, outPath, 'write')
    }
    return { path: outPath, bytes: size, sha256 }
  } catch (err) {
    if (!done) await handle.close().catch(() => undefined)
    await rm(tmp, { force: true }).catch(() => undefined)
    throw err
  }
}
