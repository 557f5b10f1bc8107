import { readSync } from 'node:fs'
import type { OpenedIndex } from './car-read.js'
import { corrupt } from './errors.js'

/** Rows of one inverted list held in memory (added since training or since loading). */
export class MemoryList {
  vectors: Float32Array
  ids: Int32Array
  count = 0

  constructor(private readonly dimension: number) {
    this.vectors = new Float32Array(16 * dimension)
    this.ids = new Int32Array(16)
  }

  /** Appends one row; returns its position in the list. */
  push(row: Float32Array, id: number): number {
    if (this.count === this.ids.length) {
      const vectors = new Float32Array(this.vectors.length * 2)
      vectors.set(this.vectors)
      this.vectors = vectors
      const ids = new Int32Array(this.ids.length * 2)
      ids.set(this.ids)
      this.ids = ids
    }
    this.vectors.set(row, this.count * this.dimension)
    this.ids[this.count] = id
    return this.count++
  }
}

/**
 * Rows of a saved IVF index, read by position from its CAR file when a search probes them (never
 * all loaded): list `l` is storage rows `[offsets[l], offsets[l + 1])`, each row inside one raw
 * vector block of whole rows.
 */
export class FileLists {
  readonly rows: number
  private readonly rowBytes: number
  private readonly blockOffsets: Float64Array

  constructor(
    private readonly opened: OpenedIndex,
    readonly offsets: Int32Array,
    readonly ids: Int32Array,
  ) {
    const m = opened.manifest
    this.rows = m.rows
    this.rowBytes = m.dimension * 4
    this.blockOffsets = Float64Array.from(m.vectors, (cid) => opened.offsetOf(cid))
    if (offsets[0] !== 0 || offsets[offsets.length - 1] !== m.rows)
      throw corrupt('KNN_BAD_SAVE', 'IVF list offsets do not cover the rows', opened.path)
    for (let l = 1; l < offsets.length; l++)
      if ((offsets[l] as number) < (offsets[l - 1] as number))
        throw corrupt('KNN_BAD_SAVE', 'IVF list offsets go backwards', opened.path)
  }

  /** Copies storage rows `[start, end)` into `out` (positional reads, block by block). */
  read(start: number, end: number, out: Float32Array): void {
    const per = this.opened.manifest.rowsPerBlock
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
    const fd = this.opened.descriptor
    let at = start
    let written = 0
    while (at < end) {
      const block = Math.floor(at / per)
      const stop = Math.min(end, (block + 1) * per)
      const length = (stop - at) * this.rowBytes
      const position = (this.blockOffsets[block] as number) + (at - block * per) * this.rowBytes
      for (let done = 0; done < length; ) {
        const got = readSync(fd, bytes, written + done, length - done, position + done)
        if (got === 0) throw corrupt('CAR_TRUNCATED', 'The CAR ended inside a vector block', this.opened.path)
        done += got
      }
      written += length
      at = stop
    }
  }

  close(): void {
    this.opened.close()
  }
}
