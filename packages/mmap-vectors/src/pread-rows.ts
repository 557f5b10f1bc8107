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
  // the page read last, checked before the LRU map: sequential access stays off the map
  #lastPage = -1
  #lastData: Float32Array | undefined
  #lastHits = 0
  // where the row sits in the page #pageOf returned (saves allocating a pair per call)
  #local = 0

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
    this.#cache = cacheBytes > 0 ? new PageCache(cacheBytes) : undefined
  }

  row(i: number): Float32Array {
    if (this.#cache === undefined) return this.rows(i, 1)
    const data = this.#pageOf(i)
    return data.slice(this.#local, this.#local + this.#dim)
  }

  readInto(i: number, out: Float32Array, outOffset: number): void {
    if (this.#cache === undefined) {
      const target = new Uint8Array(out.buffer, out.byteOffset + outOffset * 4, this.#rowBytes)
      this.#expect(this.#file.readSync(target, this.#dataOffset + i * this.#rowBytes), i, 1)
      return
    }
    const data = this.#pageOf(i)
    const at = this.#local
    const dim = this.#dim
    for (let k = 0; k < dim; k++) out[outOffset + k] = data[at + k] as number
  }

  rows(start: number, count: number): Float32Array {
    const out = uninitializedFloat32(count * this.#dim)
    this.#expect(this.#file.readSync(bytesOf(out), this.#dataOffset + start * this.#rowBytes), start, count)
    return out
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
    if (this.#lastPage === page) {
      this.#lastPage = -1
      this.#lastData = undefined
    }
  }

  cacheStats(): CacheStats | undefined {
    if (this.#cache === undefined) return undefined
    const stats = this.#cache.stats()
    const hits = stats.hits + this.#lastHits
    const reads = hits + stats.misses
    return { ...stats, hits, hitRatio: reads === 0 ? 0 : hits / reads }
  }

  close(): void {
    this.#cache?.clear()
    this.#lastData = undefined
    this.#lastPage = -1
  }

  #pageOf(i: number): Float32Array {
    const pageRows = this.#pageRows
    const page = Math.floor(i / pageRows)
    const local = (i - page * pageRows) * this.#dim
    let data: Float32Array | undefined
    if (page === this.#lastPage) {
      data = this.#lastData
      this.#lastHits++
    } else {
      data = (this.#cache as PageCache).get(page)
    }
    // a page read before an append may end before row i
    if (data === undefined || local + this.#dim > data.length) data = this.#load(page)
    this.#lastPage = page
    this.#lastData = data
    this.#local = local
    return data
  }

  #load(page: number): Float32Array {
    const first = page * this.#pageRows
    const count = Math.min(this.#pageRows, this.#length() - first)
    const data = this.rows(first, count)
    ;(this.#cache as PageCache).put(page, data)
    return data
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
