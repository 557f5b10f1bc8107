import { type CacheStats, IoError } from '@sd/core'
import { bytesOf, type SharedFd, uninitializedFloat32 } from './file-io.js'
import type { NativeMmap } from './native.js'
import type { RowGeometry, RowSource } from './row-source.js'

/** One mapping at most: Node 20 refuses an external ArrayBuffer over 4 GiB. */
export const WINDOW_BYTES = 2 ** 30
/** Consecutive windows overlap by this much, so rows and slices up to this size are single views. */
export const WINDOW_OVERLAP = 2 ** 26
/** Ranges up to this size are copied out of the mapping by `readRowsInto`; larger ones are read. */
const MAPPED_COPY_BYTES = 2 ** 16
/** Window `w` maps file bytes `[w * STRIDE, w * STRIDE + WINDOW_BYTES)`. */
const STRIDE = WINDOW_BYTES - WINDOW_OVERLAP

/**
 * The memory-mapping backend: the file is mapped in windows of at most 1 GiB (mapped on first
 * use), and rows and slices are `Float32Array` views of the mapping, with no copy. A range that
 * straddles two windows (rare: it must be longer than the 64 MiB overlap or cross the end of a
 * window's overlap) is a copy read from the file.
 *
 * Mappings are private (copy-on-write): writing into a view never reaches the file. In the
 * writable modes each window is mapped whole, past the end of the file, so appended rows show up
 * without remapping; pages past the end are never handed out.
 */
export class MmapRows implements RowSource {
  readonly kind = 'mmap' as const
  readonly zeroCopy = true
  readonly #addon: NativeMmap
  readonly #file: SharedFd
  readonly #dim: number
  readonly #rowBytes: number
  readonly #dataOffset: number
  readonly #length: () => number
  readonly #writable: boolean
  readonly #windows: (ArrayBuffer | undefined)[] = []
  // the window used last: its buffer, a float view over all of it, and the file bytes it covers
  #buffer: ArrayBuffer = new ArrayBuffer(0)
  #floats: Float32Array = new Float32Array(0)
  #start = 0
  #end = 0

  constructor(
    addon: NativeMmap,
    file: SharedFd,
    geometry: RowGeometry,
    length: () => number,
    writable: boolean,
  ) {
    this.#addon = addon
    this.#file = file
    this.#dim = geometry.dimension
    this.#rowBytes = geometry.rowBytes
    this.#dataOffset = geometry.dataOffset
    this.#length = length
    this.#writable = writable
  }

  row(i: number): Float32Array {
    const start = this.#dataOffset + i * this.#rowBytes
    if (start >= this.#start && start + this.#rowBytes <= this.#end) {
      return new Float32Array(this.#buffer, start - this.#start, this.#dim)
    }
    return this.#range(start, start + this.#rowBytes)
  }

  rows(start: number, count: number): Float32Array {
    if (count === 0) return new Float32Array(0)
    const from = this.#dataOffset + start * this.#rowBytes
    return this.#range(from, from + count * this.#rowBytes)
  }

  rowsAsync(start: number, count: number): Float32Array {
    return this.rows(start, count)
  }

  readRowsInto(start: number, count: number, out: Float32Array): void {
    const from = this.#dataOffset + start * this.#rowBytes
    const bytes = count * this.#rowBytes
    if (bytes <= MAPPED_COPY_BYTES) {
      out.set(this.#range(from, from + bytes))
      return
    }
    // a positional read copies from the page cache as fast as a copy out of the mapping, and
    // leaves no mapped pages behind: a scan of a file larger than RAM stays small in memory
    const n = this.#file.readSync(new Uint8Array(out.buffer, out.byteOffset, bytes), from)
    if (n < bytes) {
      throw new IoError(`Expected ${bytes} bytes at byte ${from}, the file ended after ${n}`, {
        code: 'SHORT_READ',
        location: { file: this.#file.path, byte: from + n, index: start },
      })
    }
  }

  readInto(i: number, out: Float32Array, outOffset: number): void {
    const start = this.#dataOffset + i * this.#rowBytes
    if (!(start >= this.#start && start + this.#rowBytes <= this.#end)) {
      out.set(this.#range(start, start + this.#rowBytes), outOffset)
      return
    }
    // set() is a memcpy, several times faster than an element loop for a whole row
    const base = (start - this.#start) / 4
    out.set(this.#floats.subarray(base, base + this.#dim), outOffset)
  }

  willNeed(start: number, end: number): void {
    if (end > start) this.#willNeed(start, end)
  }

  release(start: number, end: number): void {
    if (end > start) this.#release(start, end)
  }

  invalidate(): void {
    // the mappings share the page cache with our writes: appended rows are already visible
  }

  cacheStats(): CacheStats | undefined {
    return undefined
  }

  close(): void {
    for (const buffer of this.#windows) if (buffer) this.#addon.unmap(buffer)
    this.#windows.length = 0
    this.#buffer = new ArrayBuffer(0)
    this.#floats = new Float32Array(0)
    this.#start = 0
    this.#end = 0
  }

  /** File bytes `[start, end)` as floats: a view when one window holds them, else a copy. */
  #range(start: number, end: number): Float32Array {
    const w = Math.floor(start / STRIDE)
    const windowStart = w * STRIDE
    if (end <= windowStart + WINDOW_BYTES) {
      const buffer = this.#window(w)
      if (end <= windowStart + buffer.byteLength) {
        this.#buffer = buffer
        this.#floats = new Float32Array(buffer, 0, buffer.byteLength >>> 2)
        this.#start = windowStart
        this.#end = windowStart + buffer.byteLength
        return new Float32Array(buffer, start - windowStart, (end - start) / 4)
      }
    }
    const out = uninitializedFloat32((end - start) / 4)
    const n = this.#file.readSync(bytesOf(out), start)
    if (n < out.byteLength) {
      throw new IoError(`Expected ${out.byteLength} bytes at byte ${start}, the file ended after ${n}`, {
        code: 'SHORT_READ',
        location: { file: this.#file.path, byte: start },
      })
    }
    return out
  }

  #window(w: number): ArrayBuffer {
    const mapped = this.#windows[w]
    if (mapped) return mapped
    const windowStart = w * STRIDE
    const dataEnd = this.#dataOffset + this.#length() * this.#rowBytes
    const length = this.#writable ? WINDOW_BYTES : Math.min(WINDOW_BYTES, dataEnd - windowStart)
    let buffer: ArrayBuffer
    try {
      buffer = this.#addon.map(this.#file.fd, windowStart, length)
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err)
      throw new IoError(`Could not map ${length} bytes at byte ${windowStart}: ${detail}`, {
        code: 'MMAP_FAILED',
        cause: err,
        location: { file: this.#file.path, byte: windowStart },
      })
    }
    this.#windows[w] = buffer
    return buffer
  }

  /** `MADV_WILLNEED` over the file bytes of rows `[start, end)`, in the windows they will be read from. */
  #willNeed(startRow: number, endRow: number): void {
    let from = this.#dataOffset + startRow * this.#rowBytes
    const to = this.#dataOffset + endRow * this.#rowBytes
    while (from < to) {
      const w = Math.floor(from / STRIDE)
      const windowStart = w * STRIDE
      const buffer = this.#window(w)
      const segmentEnd = Math.min(to, windowStart + STRIDE, windowStart + buffer.byteLength)
      if (segmentEnd <= from) return
      this.#addon.advise(buffer, from - windowStart, segmentEnd - from, this.#addon.advice.willNeed)
      from = segmentEnd
    }
  }

  /**
   * `MADV_DONTNEED` over the pages wholly inside the file bytes of rows `[start, end)` (never a
   * page shared with a neighbouring row still in use), in every window already mapped over them:
   * rows handed out near a window's end are a view of that window even where the next one overlaps
   * it, so their pages can be resident in either.
   */
  #release(startRow: number, endRow: number): void {
    const page = this.#addon.pageSize
    const from = Math.ceil((this.#dataOffset + startRow * this.#rowBytes) / page) * page
    const to = Math.floor((this.#dataOffset + endRow * this.#rowBytes) / page) * page
    if (from >= to) return
    // the windows whose bytes [w * STRIDE, w * STRIDE + WINDOW_BYTES) meet [from, to)
    const first = Math.max(0, Math.floor((from - WINDOW_BYTES) / STRIDE) + 1)
    const last = Math.floor((to - 1) / STRIDE)
    for (let w = first; w <= last; w++) {
      const buffer = this.#windows[w]
      if (buffer === undefined) continue
      const windowStart = w * STRIDE
      const a = Math.max(from, windowStart)
      const b = Math.min(to, windowStart + buffer.byteLength)
      if (b > a) this.#addon.advise(buffer, a - windowStart, b - a, this.#addon.advice.dontNeed)
    }
  }
}
