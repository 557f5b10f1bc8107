/**
 * Pulls items from `source` up to `depth` ahead of the consumer. Each pull runs the source to its
 * next `yield`, which is where it starts that item's requests, so `depth` bounds the requests in
 * flight (and the bytes held). The look-ahead starts once the first item was taken: the first
 * batch costs only the requests it needs, and the rest overlap with decoding from then on.
 * Stopping early returns the source (its `finally` runs) after its pending pulls settle.
 */
export async function* readAhead<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  const queue: Promise<IteratorResult<T>>[] = []
  let taken = 0
  try {
    for (;;) {
      const want = taken === 0 ? 1 : depth + 1
      while (queue.length < want) {
        const next = source.next()
        // a pull that fails is reported when the consumer reaches it
        next.catch(() => undefined)
        queue.push(next)
      }
      const result = await (queue.shift() as Promise<IteratorResult<T>>)
      if (result.done) return
      taken++
      yield result.value
    }
  } finally {
    await source.return(undefined)
  }
}
