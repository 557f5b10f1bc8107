import { closeSync, openSync, writeSync } from 'node:fs'
import { nextTurn } from './turn.js'

/**
 * The NumPy `.npy` v1.0 header of a C-order little-endian float32 array of shape `(rows, dimension)`,
 * padded with spaces and a newline so the data starts at a multiple of 64 bytes.
 */
export function npyHeader(rows: number, dimension: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dimension}), }`
  const unpadded = 10 + dict.length + 1
  const total = Math.ceil(unpadded / 64) * 64
  const header = Buffer.alloc(total, 0x20)
  header.write('\x93NUMPY', 0, 'latin1')
  header[6] = 1
  header[7] = 0
  header.writeUInt16LE(total - 10, 8)
  header.write(dict, 10, 'latin1')
  header[total - 1] = 0x0a
  return header
}

/** Bytes written between two turns of the event loop. */
const TURN_BYTES = 64 * 1024 * 1024

/**
 * Writes rows to a `.npy` file NumPy opens (`np.load(path, mmap_mode='r')`): the header, then each
 * chunk `rows(i)` yields in turn (float32, row-major), letting the event loop turn every 64 MiB.
 * Resolves to the byte offset of the data.
 */
export async function writeNpy(
  path: string,
  rows: number,
  dimension: number,
  chunks: Iterable<Float32Array>,
): Promise<number> {
  const fd = openSync(path, 'w')
  try {
    const header = npyHeader(rows, dimension)
    writeSync(fd, header)
    let written = 0
    let sinceTurn = 0
    for (const chunk of chunks) {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done)
      written += chunk.length
      sinceTurn += bytes.length
      if (sinceTurn >= TURN_BYTES) {
        sinceTurn = 0
        await nextTurn()
      }
    }
    if (written !== rows * dimension) throw new Error(`wrote ${written} values, expected ${rows * dimension}`)
    return header.length
  } finally {
    closeSync(fd)
  }
}
