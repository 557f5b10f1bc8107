/**
 * Reusable buffers that decompressed pages are written into, so a column chunk's pages do not
 * each allocate (and fault in, and leave to the garbage collector) fresh memory. A reader takes
 * one for its current page, keeps it while it reads that page, and gives it back when it moves on
 * or is released; only values copied out of a page outlive it.
 */

/** Buffers kept for reuse at most; more are left to the garbage collector. */
const MAX_KEPT = 8
/** Bytes kept for reuse at most, all buffers together. */
const MAX_KEPT_BYTES = 256 * 1024 * 1024
/** Kept buffers are also dropped once none has been taken for this long (a reader never released). */
const IDLE_MS = 1000

const free: Uint8Array[] = []
let keptBytes = 0
let lastTake = 0
let timer: ReturnType<typeof setTimeout> | undefined

/** Drops the kept buffers when the reads have stopped taking them, else looks again later. */
function sweep(): void {
  timer = undefined
  if (free.length === 0) return
  const idle = performance.now() - lastTake
  if (idle >= IDLE_MS) {
    free.length = 0
    keptBytes = 0
    return
  }
  timer = setTimeout(sweep, IDLE_MS - idle + 1)
  timer.unref?.()
}

/**
 * A buffer of at least `size` bytes (its first `size` bytes hold stale data): the smallest kept
 * one that fits, or a new one with some room to spare for the next, larger page.
 */
export function takePageBuffer(size: number): Uint8Array {
  lastTake = performance.now()
  let best = -1
  for (let i = 0; i < free.length; i++) {
    const b = free[i] as Uint8Array
    if (b.length >= size && (best < 0 || b.length < (free[best] as Uint8Array).length)) best = i
  }
  if (best >= 0) {
    const b = free[best] as Uint8Array
    free.splice(best, 1)
    keptBytes -= b.length
    return b
  }
  return new Uint8Array(size + (size >>> 3))
}

/** Gives a buffer back for reuse (nothing may read it afterwards). */
export function givePageBuffer(buffer: Uint8Array): void {
  if (buffer.length > MAX_KEPT_BYTES) return
  free.push(buffer)
  keptBytes += buffer.length
  // the oldest go first
  while (free.length > MAX_KEPT || keptBytes > MAX_KEPT_BYTES)
    keptBytes -= (free.shift() as Uint8Array).length
  if (!timer) {
    timer = setTimeout(sweep, IDLE_MS)
    timer.unref?.()
  }
}

/** Readers of row groups alive (see {@link holdPageBuffers}). */
let holders = 0

/**
 * Marks a row group reader alive: kept buffers stay for the next row group's pages while one
 * is. Pair each call with one {@link releasePageBuffers}.
 */
export function holdPageBuffers(): void {
  holders++
}

/** Marks a row group reader released; when none is left (the pass ended), kept buffers are dropped. */
export function releasePageBuffers(): void {
  holders = Math.max(0, holders - 1)
  if (holders === 0) {
    free.length = 0
    keptBytes = 0
  }
}

/** Buffers and bytes kept for reuse (for tests). */
export function pageBufferStats(): { buffers: number; bytes: number } {
  return { buffers: free.length, bytes: keptBytes }
}
