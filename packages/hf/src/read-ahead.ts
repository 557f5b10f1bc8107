/** Bounds of {@link readAhead}. */
export interface ReadAheadLimits {
  /** Items pulled ahead of the consumer. */
  depth: number
  /** No more pulls once the items pulled but not taken hold this many bytes (one is always allowed). */
  maxBytes: number
  /** The bytes an item holds (its requests). */
  sizeOf: (item: never) => number
}

/**
 * Pulls items from `source` ahead of the consumer: while it works on one item, up to `depth`
 * more (and `maxBytes` bytes) are pulled.
 * Each pull runs the source to its next `yield`, which is where it starts that item's requests,
 * so the limits bound the requests in flight and the bytes they bring. Pulls go one at a time
 * (an item's size is known before the next is pulled). The look-ahead starts once the first item
 * was taken: the first batch costs only the requests it needs, and the rest overlap with decoding
 * from then on. Stopping early returns the source (its `finally` runs) after its pending pull.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>, limits: ReadAheadLimits): AsyncGenerator<T> {
  const sizeOf = limits.sizeOf as (item: T) => number
  const queue: Promise<IteratorResult<T>>[] = []
  let bytes = 0
  let pulling = false
  let finished = false
  let taken = 0
  // true while the consumer waits on the queue's head (which then counts as one of the pulls)
  let waiting = false
  const fill = () => {
    const want = taken === 0 ? 1 : limits.depth + (waiting ? 1 : 0)
    if (pulling || finished || queue.length >= want || (queue.length > 0 && bytes >= limits.maxBytes)) return
    pulling = true
    const next = source.next()
    queue.push(next)
    next.then(
      (result) => {
        pulling = false
        if (result.done) finished = true
        else {
          bytes += sizeOf(result.value)
          fill()
        }
      },
      // a pull that fails is reported when the consumer reaches it
      () => {
        pulling = false
        finished = true
      },
    )
  }
  try {
    for (;;) {
      waiting = true
      fill()
      const result = await (queue[0] as Promise<IteratorResult<T>>)
      queue.shift()
      waiting = false
      if (result.done) return
      bytes -= sizeOf(result.value)
      taken++
      yield result.value
    }
  } finally {
    await source.return(undefined)
  }
}
