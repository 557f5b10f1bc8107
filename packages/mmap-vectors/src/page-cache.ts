import type { CacheStats } from '@sd/core'

/**
 * A least-recently-used cache of file pages (runs of whole vectors) bounded by bytes. A `Map`
 * keeps insertion order, so re-inserting on a hit is the whole LRU bookkeeping.
 */
export class PageCache {
  readonly maxSizeBytes: number
  readonly #pages = new Map<number, Float32Array>()
  #sizeBytes = 0
  #hits = 0
  #misses = 0
  #evictions = 0

  constructor(maxSizeBytes: number) {
    this.maxSizeBytes = maxSizeBytes
  }

  get(page: number): Float32Array | undefined {
    const data = this.#pages.get(page)
    if (data === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    this.#pages.delete(page)
    this.#pages.set(page, data)
    return data
  }

  put(page: number, data: Float32Array): void {
    this.delete(page)
    if (data.byteLength > this.maxSizeBytes) return
    while (this.#sizeBytes + data.byteLength > this.maxSizeBytes) {
      const oldest = this.#pages.keys().next()
      if (oldest.done) break
      this.delete(oldest.value)
      this.#evictions++
    }
    this.#pages.set(page, data)
    this.#sizeBytes += data.byteLength
  }

  delete(page: number): void {
    const data = this.#pages.get(page)
    if (data === undefined) return
    this.#pages.delete(page)
    this.#sizeBytes -= data.byteLength
  }

  clear(): void {
    this.#pages.clear()
    this.#sizeBytes = 0
  }

  stats(): CacheStats {
    const reads = this.#hits + this.#misses
    return {
      sizeBytes: this.#sizeBytes,
      maxSizeBytes: this.maxSizeBytes,
      utilization: this.maxSizeBytes === 0 ? 0 : this.#sizeBytes / this.maxSizeBytes,
      itemCount: this.#pages.size,
      hits: this.#hits,
      misses: this.#misses,
      hitRatio: reads === 0 ? 0 : this.#hits / reads,
      evictions: this.#evictions,
    }
  }
}
