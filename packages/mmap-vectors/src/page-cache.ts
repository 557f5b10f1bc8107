import type { CacheStats } from '@sd/core'

/** Bytes per segment of slots: the cache's memory grows by this much as slots are first used. */
const SEGMENT_BYTES = 2 ** 16

/**
 * A least-recently-used cache of file pages (runs of whole vectors) in fixed-size slots, held in
 * segments of about 64 KiB allocated as the slots in them are first used. Segments rather than an
 * ArrayBuffer per page: thousands of small buffers cost an allocation per miss and
 * garbage-collector work on every eviction; and rather than one slab of the whole size: a file
 * opened to read a few rows would pay for zeroing (and collecting) all of it. Recency is a
 * doubly linked list over slot numbers in typed arrays; a `Map` finds a page's slot.
 */
export class PageCache {
  readonly maxSizeBytes: number
  /** Floats per slot. */
  readonly slotFloats: number
  /** Whole rows loaded in each slot in use (the last page of a file may be short). */
  slotRows: Int32Array
  readonly #slots: number
  readonly #slotOf = new Map<number, number>()
  // per slot, for the slots handed out so far (grown as more are): its page, and the recency
  // list (#head is the most recently used slot, #tail the least; -1 ends it)
  #pageOf: Float64Array
  #prev: Int32Array
  #next: Int32Array
  #head = -1
  #tail = -1
  #used = 0
  readonly #slotsPerSegment: number
  readonly #segments: (Float32Array | undefined)[] = []
  #hits = 0
  #misses = 0
  #evictions = 0

  /** `slotFloats` floats per page; as many slots as fit in `maxSizeBytes` (at least one). */
  constructor(maxSizeBytes: number, slotFloats: number) {
    this.slotFloats = slotFloats
    this.#slots = Math.max(1, Math.floor(maxSizeBytes / (slotFloats * 4)))
    this.maxSizeBytes = this.#slots * slotFloats * 4
    const initial = Math.min(this.#slots, 64)
    this.slotRows = new Int32Array(initial)
    this.#pageOf = new Float64Array(initial).fill(-1)
    this.#prev = new Int32Array(initial).fill(-1)
    this.#next = new Int32Array(initial).fill(-1)
    this.#slotsPerSegment = Math.max(1, Math.floor(SEGMENT_BYTES / (slotFloats * 4)))
  }

  /** The segment holding `slot` (allocated on first use); the slot starts at {@link PageCache.slotOffset}. */
  segment(slot: number): Float32Array {
    const s = Math.floor(slot / this.#slotsPerSegment)
    let segment = this.#segments[s]
    if (segment === undefined) {
      const slots = Math.min(this.#slotsPerSegment, this.#slots - s * this.#slotsPerSegment)
      segment = new Float32Array(slots * this.slotFloats)
      this.#segments[s] = segment
    }
    return segment
  }

  /** Where `slot` starts in its segment, in floats. */
  slotOffset(slot: number): number {
    return (slot % this.#slotsPerSegment) * this.slotFloats
  }

  /** Bytes of the segments allocated so far. */
  get allocatedBytes(): number {
    let bytes = 0
    for (const segment of this.#segments) bytes += segment?.byteLength ?? 0
    return bytes
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
      if (this.#used === this.slotRows.length) this.#grow()
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

  /** Drops every page and the segments. */
  clear(): void {
    this.#slotOf.clear()
    this.#pageOf.fill(-1)
    this.#prev.fill(-1)
    this.#next.fill(-1)
    this.#head = -1
    this.#tail = -1
    this.#used = 0
    this.#segments.length = 0
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

  /** Room for twice as many slots (up to all of them) in the per-slot arrays. */
  #grow(): void {
    const size = Math.min(this.#slots, this.slotRows.length * 2)
    const slotRows = new Int32Array(size)
    slotRows.set(this.slotRows)
    this.slotRows = slotRows
    const pageOf = new Float64Array(size).fill(-1)
    pageOf.set(this.#pageOf)
    this.#pageOf = pageOf
    const prev = new Int32Array(size).fill(-1)
    prev.set(this.#prev)
    this.#prev = prev
    const next = new Int32Array(size).fill(-1)
    next.set(this.#next)
    this.#next = next
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
