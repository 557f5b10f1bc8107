import type { OpenedIndex } from './car-read.js'
import { corrupt } from './errors.js'
import { readStoredRows, type StoredRows } from './ivf-scan.js'

/**
 * Rows of one inverted list held in memory (added since training or since loading), in
 * SharedArrayBuffers so search workers read them without a copy.
 */
export class MemoryList {
  vectors: Float32Array
  ids: Int32Array
  count = 0

  constructor(private readonly dimension: number) {
    // nothing allocated until the first row: a loaded index has a list object per list
    this.vectors = new Float32Array(0)
    this.ids = new Int32Array(0)
  }

  /** Appends one row; returns its position in the list. */
  push(row: Float32Array, id: number): number {
    if (this.count === this.ids.length) {
      const capacity = Math.max(16, this.ids.length * 2)
      const vectors = new Float32Array(new SharedArrayBuffer(capacity * this.dimension * 4))
      vectors.set(this.vectors)
      this.vectors = vectors
      const ids = new Int32Array(new SharedArrayBuffer(capacity * 4))
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
  /** Where the rows are, as plain data for workers. */
  readonly stored: StoredRows

  constructor(
    private readonly opened: OpenedIndex,
    readonly offsets: Int32Array,
    ids: Int32Array,
  ) {
    const m = opened.manifest
    this.rows = m.rows
    if (offsets[0] !== 0 || offsets[offsets.length - 1] !== m.rows)
      throw corrupt('KNN_BAD_SAVE', 'IVF list offsets do not cover the rows', opened.path)
    for (let l = 1; l < offsets.length; l++)
      if ((offsets[l] as number) < (offsets[l - 1] as number))
        throw corrupt('KNN_BAD_SAVE', 'IVF list offsets go backwards', opened.path)
    this.stored = {
      fd: opened.descriptor,
      path: opened.path,
      blockOffsets: Float64Array.from(m.vectors, (cid) => opened.offsetOf(cid)),
      rowsPerBlock: m.rowsPerBlock,
      rowBytes: m.dimension * 4,
      ids: ids.buffer instanceof SharedArrayBuffer ? ids : sharedCopy(ids),
    }
  }

  /** The row index of each storage row. */
  get ids(): Int32Array {
    return this.stored.ids
  }

  /** Copies storage rows `[start, end)` into `out` (positional reads, block by block). */
  read(start: number, end: number, out: Float32Array): void {
    readStoredRows(this.stored, start, end, out)
  }

  close(): void {
    this.opened.close()
  }
}

/** `values` copied into a SharedArrayBuffer (workers then read it without a copy). */
function sharedCopy(values: Int32Array): Int32Array {
  const out = new Int32Array(new SharedArrayBuffer(values.byteLength))
  out.set(values)
  return out
}
