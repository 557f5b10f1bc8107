import { closeSync, openSync, readSync, statSync } from 'node:fs'
import type { VectorSource } from '@sd/core'

/** The data offset, row count and dimension of a float32 `.npy` file (v1/v2 header, C order). */
export function npyLayout(path: string): { offset: number; rows: number; dimension: number } {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(12)
    readSync(fd, head, 0, 12, 0)
    if (head.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path} is not a .npy file`)
    const major = head[6] as number
    const headerLength = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8)
    const start = major === 1 ? 10 : 12
    const header = Buffer.alloc(headerLength)
    readSync(fd, header, 0, headerLength, start)
    const text = header.toString('latin1')
    if (!text.includes("'<f4'")) throw new Error(`${path} is not little-endian float32: ${text}`)
    const shape = /'shape': \((\d+), (\d+)\)/.exec(text)
    if (!shape) throw new Error(`${path} is not two-dimensional: ${text}`)
    return { offset: start + headerLength, rows: Number(shape[1]), dimension: Number(shape[2]) }
  } finally {
    closeSync(fd)
  }
}

/** Every row of a float32 `.npy` file. */
export function readNpy(path: string): { rows: Float32Array; dimension: number } {
  const { offset, rows, dimension } = npyLayout(path)
  const out = new Float32Array(rows * dimension)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, out, 0, out.byteLength, offset)
  } finally {
    closeSync(fd)
  }
  return { rows: out, dimension }
}

/**
 * A {@link VectorSource} over a float32 `.npy` file read by position with `fs` (no mapping, no
 * copy of the file): each `readRows` is one positional read into the caller's array.
 */
export class NpyFileSource implements VectorSource {
  readonly dimension: number
  readonly length: number
  readonly offset: number
  private fd: number | undefined
  /** Rows read so far (to prove a search streamed the file). */
  rowsRead = 0

  constructor(readonly path: string) {
    const layout = npyLayout(path)
    if (statSync(path).size < layout.offset + layout.rows * layout.dimension * 4)
      throw new Error(`${path} is truncated`)
    this.dimension = layout.dimension
    this.length = layout.rows
    this.offset = layout.offset
    this.fd = openSync(path, 'r')
  }

  readRows(start: number, end: number, out: Float32Array): number {
    if (this.fd === undefined) throw new Error('closed')
    const stop = Math.min(end, this.length)
    if (stop <= start) return 0
    const bytes = (stop - start) * this.dimension * 4
    let done = 0
    while (done < bytes)
      done += readSync(this.fd, out, done + 0, bytes - done, this.offset + start * this.dimension * 4 + done)
    this.rowsRead += stop - start
    return stop - start
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}
