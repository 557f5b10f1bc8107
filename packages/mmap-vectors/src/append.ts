import { fdatasyncSync, fstatSync, ftruncateSync } from 'node:fs'
import { fileSystemError, UnsupportedError } from '@sd/core'
import { bytesOf, type SharedFd } from './file-io.js'
import { formatNpyHeader } from './npy-header.js'

/** Where an append goes and how it is published. */
export interface AppendTarget {
  file: SharedFd
  /** `'npy'` files publish the new count in their header. */
  format: 'npy' | 'raw'
  dimension: number
  dataOffset: number
  /** Rows the file holds before the append. */
  length: number
  npyVersion: [number, number]
  /** `fdatasync` the rows before the count is published. */
  sync: boolean
}

/**
 * Writes `data` (whole rows) after the committed rows and publishes the new count: the rows first
 * (synced with `sync`), then, for `.npy`, the header rewritten in place, so a crash in between
 * leaves the old count. Throws before writing anything when the header has no room for the count.
 * A write that fails part way is cut back to the file's size before the append (never below it:
 * bytes past the committed rows that were there before are not this append's to remove).
 */
export function appendRows(target: AppendTarget, data: Float32Array): void {
  const { file, dimension, dataOffset } = target
  const newLength = target.length + data.length / dimension
  let header: Uint8Array | undefined
  if (target.format === 'npy') {
    header = formatNpyHeader(newLength, dimension, dataOffset, target.npyVersion)
    if (header === undefined) {
      throw new UnsupportedError(
        `The .npy header (${dataOffset} bytes) has no room for shape (${newLength}, ${dimension}); rewrite the file with createMemoryMappedVectors`,
        { code: 'NPY_HEADER_FULL', location: { file: file.path, byte: 0 } },
      )
    }
  }
  const at = dataOffset + target.length * dimension * 4
  let sizeBefore: number
  try {
    sizeBefore = fstatSync(file.fd).size
  } catch (err) {
    throw fileSystemError(err, file.path, 'append to')
  }
  try {
    file.writeSync(bytesOf(data), at)
    if (target.sync) fdatasyncSync(file.fd)
    if (header) file.writeSync(header, 0)
  } catch (err) {
    // a raw file keeps its old length (a .npy file's count was not published)
    const keep = Math.max(sizeBefore, at)
    try {
      if (fstatSync(file.fd).size > keep) ftruncateSync(file.fd, keep)
    } catch {
      // the write error below says what went wrong first
    }
    throw fileSystemError(err, file.path, 'append to')
  }
}
