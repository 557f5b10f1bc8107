import type { CacheStats } from '@sd/core'

/**
 * A least-recently-used cache of file pages (runs of whole vectors) in one preallocated slab of
 * fixed-size slots. One slab rather than an ArrayBuffer per page: thousands of small buffers cost
 * an allocation per miss and garbage-collector work on every eviction. Recency is a doubly linked
 * list over slot numbers in typed arrays; a `Map` finds a page's slot.
 */
export class PageCache {
  readonly maxSizeBytes: number
  /** Floats per slot. */
  readonly slotFloats: number
  /** Whole rows loaded in each slot (the last page of a file may be short). */
  readonly slotRows: Int32Array
  readonly #slots: number
  readonly #slotOf = new Map<number, number>()
  readonly #pageOf: Float64Array
  // recency list: #head is the most recently used slot, #tail the least; -1 ends it
  readonly #prev: Int32Array
  readonly #next: Int32Array
  #head = -1
  #tail = -1
  #used = 0
  #slab: Float32Array | undefined
  #hits = 0
  #misses = 0
  #evictions = 0

  /** `slotFloats` floats per page; as many slots as fit in `maxSizeBytes` (at least one). */
  constructor(maxSizeBytes: number, slotFloats: number) {
    this.slotFloats = slotFloats
    this.#slots = Math.max(1, Math.floor(maxSizeBytes / (slotFloats * 4)))
    this.maxSizeBytes = this.#slots * slotFloats * 4
    this.slotRows = new Int32Array(this.#slots)
    this.#pageOf = new Float64Array(this.#slots).fill(-1)
    this.#prev = new Int32Array(this.#slots).fill(-1)
    this.#next = new Int32Array(this.#slots).fill(-1)
  }

  /** The slab every slot lives in (allocated on first use; untouched pages cost no memory). */
  get slab(): Float32Array {
    this.#slab ??= new Float32Array(this.#slots * this.slotFloats)
    return this.#slab
  }

  /** The slot holding `page`, or -1 (a miss). */
  get(page: number): number {
    const slot = this.#slotOf.get(page)
    if (slot === undefined) {
      this.#misses++
      return -1
    }
    this.#hits++
    if (slot !== this.#head) {
      this.#unlink(slot)
      this.#pushFront(slot)
    }
    return slot
  }

  /** Counts a hit served without a lookup (the caller remembered the last page). */
  hit(): void {
    this.#hits++
  }

  /** A slot for `page`: a free one, else the least recently used page's, which is evicted. */
  claim(page: number): number {
    this.delete(page)
    let slot: number
    if (this.#used < this.#slots) {
      // slots fill in order; a slot freed by delete() is reused through the list's tail
      slot = this.#used++
    } else {
      slot = this.#tail
      const old = this.#pageOf[slot] as number
      if (old >= 0) {
        this.#slotOf.delete(old)
        this.#evictions++
      }
      this.#unlink(slot)
    }
    this.#pageOf[slot] = page
    this.#slotOf.set(page, slot)
    this.#pushFront(slot)
    return slot
  }

  /** Forgets `page`; its slot becomes the first to be reused. */
  delete(page: number): void {
    const slot = this.#slotOf.get(page)
    if (slot === undefined) return
    this.#slotOf.delete(page)
    this.#pageOf[slot] = -1
    this.slotRows[slot] = 0
    this.#unlink(slot)
    this.#pushBack(slot)
  }

  /** Drops every page and the slab. */
  clear(): void {
    this.#slotOf.clear()
    this.#pageOf.fill(-1)
    this.#prev.fill(-1)
    this.#next.fill(-1)
    this.#head = -1
    this.#tail = -1
    this.#used = 0
    this.#slab = undefined
  }

  stats(): CacheStats {
    const reads = this.#hits + this.#misses
    const sizeBytes = this.#slotOf.size * this.slotFloats * 4
    return {
      sizeBytes,
      maxSizeBytes: this.maxSizeBytes,
      utilization: sizeBytes / this.maxSizeBytes,
      itemCount: this.#slotOf.size,
      hits: this.#hits,
      misses: this.#misses,
      hitRatio: reads === 0 ? 0 : this.#hits / reads,
      evictions: this.#evictions,
    }
  }

  #unlink(slot: number): void {
    const p = this.#prev[slot] as number
    const n = this.#next[slot] as number
    if (p >= 0) this.#next[p] = n
    else if (this.#head === slot) this.#head = n
    if (n >= 0) this.#prev[n] = p
    else if (this.#tail === slot) this.#tail = p
    this.#prev[slot] = -1
    this.#next[slot] = -1
  }

  #pushFront(slot: number): void {
    this.#next[slot] = this.#head
    if (this.#head >= 0) this.#prev[this.#head] = slot
    this.#head = slot
    if (this.#tail < 0) this.#tail = slot
  }

  #pushBack(slot: number): void {
    this.#prev[slot] = this.#tail
    if (this.#tail >= 0) this.#next[this.#tail] = slot
    this.#tail = slot
    if (this.#head < 0) this.#head = slot
  }
}
