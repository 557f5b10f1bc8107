import { throwIfAborted } from '@sd/core'
import type { RowSource } from './row-source.js'

/**
 * Batches of vectors, each a `Float32Array` of `rows × dimension` values: iterate with `for` (reads
 * on the calling thread) or `for await` (the `'pread'` backend reads the next batches on the
 * thread pool meanwhile).
 */
export interface VectorBatches extends Iterable<Float32Array>, AsyncIterable<Float32Array> {}

/** One pass of batches: rows `[start, end)` in batches of `size`, `prefetch` batches ahead. */
export interface BatchPlan {
  size: number
  start: number
  end: number
  prefetch: number
  signal: AbortSignal | undefined
}

/** Throws when the vectors were closed; called before every batch. */
export type OpenCheck = () => void

/**
 * Batches read on the calling thread. With the mapping backend, the kernel is asked to load the
 * batches ahead and to drop pages one batch behind, so a scan stays small in memory.
 */
export function* batchesSync(
  rows: RowSource,
  plan: BatchPlan,
  check: OpenCheck,
): Generator<Float32Array, void, undefined> {
  const { size, start, end, prefetch, signal } = plan
  let advised = start
  let released = start
  for (let at = start; at < end; at += size) {
    check()
    throwIfAborted(signal)
    const ahead = Math.min(end, at + size * (prefetch + 1))
    if (ahead > advised) {
      rows.willNeed(advised, ahead)
      advised = ahead
    }
    // one batch of slack behind: a consumer may still look at the previous batch
    if (at - size > released) {
      rows.release(released, at - size)
      released = at - size
    }
    yield rows.rows(at, Math.min(size, end - at))
  }
}

/**
 * Batches for `for await`: views as {@link batchesSync} makes them, or, for the positional-read
 * backend, reads on the thread pool with up to `prefetch` batches in flight while the consumer
 * works on the current one.
 */
export async function* batchesAsync(
  rows: RowSource,
  plan: BatchPlan,
  check: OpenCheck,
): AsyncGenerator<Float32Array, void, undefined> {
  if (rows.zeroCopy) {
    for (const batch of batchesSync(rows, plan, check)) yield batch
    return
  }
  const { size, end, prefetch, signal } = plan
  // a queue of its own rather than core's readAhead, which takes every item up front (an index
  // per batch: memory growing with the file for small batches) and releases unconsumed handles
  // synchronously, while a read under way must finish before the file may close
  const queue: Promise<Float32Array>[] = []
  let next = plan.start
  try {
    while (next < end || queue.length > 0) {
      check()
      throwIfAborted(signal)
      while (queue.length < prefetch + 1 && next < end) {
        const count = Math.min(size, end - next)
        const read = Promise.resolve(rows.rowsAsync(next, count))
        // a read that fails while an earlier one is awaited is reported when its turn comes
        read.catch(() => undefined)
        queue.push(read)
        next += count
      }
      yield await (queue.shift() as Promise<Float32Array>)
    }
  } finally {
    // reads still in flight finish before the caller can close the file
    await Promise.allSettled(queue)
  }
}
