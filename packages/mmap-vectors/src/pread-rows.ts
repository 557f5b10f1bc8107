import { type CacheStats, IoError } from '@sd/core'
import { bytesOf, type SharedFd, uninitializedFloat32 } from './file-io.js'
import { PageCache } from './page-cache.js'
import type { RowGeometry, RowSource } from './row-source.js'

/**
 * The pure-JavaScript backend: positional reads (`pread`) through a bounded LRU cache of pages,
 * each a run of whole vectors. Rows and slices are copies, so the caller may keep or change them.
 * Slices and batches read the file directly and leave the cache to random access.
 */
export class PreadRows implements RowSource {
  readonly kind = 'pread' as const
  readonly zeroCopy = false
  readonly #file: SharedFd
  readonly #dim: number
  readonly #rowBytes: number
  readonly #dataOffset: number
  readonly #length: () => number
  readonly #pageRows: number
  readonly #cache: PageCache | undefined
  // the page used last, checked before the LRU map: runs of nearby rows stay off the map
  #lastPage = -1
  #lastSlot = -1
  // the segment of the slot #offsetOf found last
  #segment: Float32Array = new Float32Array(0)

  constructor(
    file: SharedFd,
    geometry: RowGeometry,
    length: () => number,
    cacheBytes: number,
    pageSize: number,
  ) {
    this.#file = file
    this.#dim = geometry.dimension
    this.#rowBytes = geometry.rowBytes
    this.#dataOffset = geometry.dataOffset
    this.#length = length
    this.#pageRows = Math.max(1, Math.floor(pageSize / geometry.rowBytes))
    this.#cache = cacheBytes > 0 ? new PageCache(cacheBytes, this.#pageRows * geometry.dimension) : undefined
  }

  row(i: number): Float32Array {
    const cache = this.#cache
    if (cache === undefined) return this.rows(i, 1)
    const at = this.#offsetOf(i, cache)
    return this.#segment.slice(at, at + this.#dim)
  }

  readInto(i: number, out: Float32Array, outOffset: number): void {
    const cache = this.#cache
    if (cache === undefined) {
      const target = new Uint8Array(out.buffer, out.byteOffset + outOffset * 4, this.#rowBytes)
      this.#expect(this.#file.readSync(target, this.#dataOffset + i * this.#rowBytes), i, 1)
      return
    }
    const at = this.#offsetOf(i, cache)
    out.set(this.#segment.subarray(at, at + this.#dim), outOffset)
  }

  rows(start: number, count: number): Float32Array {
    const out = uninitializedFloat32(count * this.#dim)
    this.#expect(this.#file.readSync(bytesOf(out), this.#dataOffset + start * this.#rowBytes), start, count)
    return out
  }

  readRowsInto(start: number, count: number, out: Float32Array): void {
    const target = new Uint8Array(out.buffer, out.byteOffset, count * this.#rowBytes)
    this.#expect(this.#file.readSync(target, this.#dataOffset + start * this.#rowBytes), start, count)
  }

  async rowsAsync(start: number, count: number): Promise<Float32Array> {
    const out = uninitializedFloat32(count * this.#dim)
    this.#expect(await this.#file.read(bytesOf(out), this.#dataOffset + start * this.#rowBytes), start, count)
    return out
  }

  willNeed(): void {
    // the kernel already reads ahead for sequential positional reads
  }

  release(): void {
    // batches are copies owned by the caller: nothing stays resident here
  }

  invalidate(from: number): void {
    if (this.#cache === undefined) return
    // only the page holding the old last row can have been read short
    const page = Math.floor(from / this.#pageRows)
    this.#cache.delete(page)
    if (this.#lastPage === page) this.#lastPage = -1
  }

  cacheStats(): CacheStats | undefined {
    return this.#cache?.stats()
  }

  close(): void {
    this.#cache?.clear()
    this.#lastPage = -1
    this.#lastSlot = -1
    this.#segment = new Float32Array(0)
  }

  /** Where row `i` sits in its cache segment (left in `#segment`), reading its page on a miss. */
  #offsetOf(i: number, cache: PageCache): number {
    const pageRows = this.#pageRows
    const page = Math.floor(i / pageRows)
    const local = i - page * pageRows
    let slot: number
    if (page === this.#lastPage) {
      slot = this.#lastSlot
      cache.hit()
    } else {
      slot = cache.get(page)
    }
    // a page read before an append may end before row i
    if (slot < 0 || local >= (cache.slotRows[slot] as number)) slot = this.#load(page, cache)
    if (slot !== this.#lastSlot) this.#segment = cache.segment(slot)
    this.#lastPage = page
    this.#lastSlot = slot
    return cache.slotOffset(slot) + local * this.#dim
  }

  #load(page: number, cache: PageCache): number {
    const first = page * this.#pageRows
    const count = Math.min(this.#pageRows, this.#length() - first)
    const slot = cache.claim(page)
    const segment = cache.segment(slot)
    const target = new Uint8Array(
      segment.buffer,
      segment.byteOffset + cache.slotOffset(slot) * 4,
      count * this.#rowBytes,
    )
    try {
      this.#expect(this.#file.readSync(target, this.#dataOffset + first * this.#rowBytes), first, count)
    } catch (err) {
      cache.delete(page)
      throw err
    }
    cache.slotRows[slot] = count
    return slot
  }

  #expect(bytesRead: number, start: number, count: number): void {
    const wanted = count * this.#rowBytes
    if (bytesRead < wanted) {
      throw new IoError(
        `Expected ${wanted} bytes of vectors ${start}..${start + count - 1}, the file ended after ${bytesRead} (was it truncated by another process?)`,
        {
          code: 'SHORT_READ',
          location: { file: this.#file.path, index: start, byte: this.#dataOffset + start * this.#rowBytes },
        },
      )
    }
  }
}
