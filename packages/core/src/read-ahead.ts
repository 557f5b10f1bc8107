/** Options of {@link readAhead}. */
export interface ReadAheadOptions<T> {
  /** Items started beyond the one being consumed (0 = start each only when it is consumed). */
  depth: number
  /** Bytes the started items (the consumed one included) may hold at once. */
  budget: number
  /** Bytes an item holds once started. */
  cost: (item: T) => number
}

/**
 * Starts work for `items` ahead of the consumer: each yielded handle was started up to `depth`
 * items early, as long as the started ones hold at most `budget` bytes (the next item always
 * starts, whatever its size). Handles not consumed when the loop ends early are released.
 *
 * @example
 * ```ts
 * for await (const group of readAhead(rowGroups, (g) => startReading(g), { depth: 1, budget: 64 << 20, cost: (g) => g.bytes })) {
 *   try { use(group) } finally { group.release() }
 * }
 * ```
 */
export async function* readAhead<T, H extends { release(): void }>(
  items: readonly T[],
  start: (item: T) => H,
  options: ReadAheadOptions<T>,
): AsyncGenerator<H> {
  const ahead: { handle: H; cost: number }[] = []
  let next = 0
  const begin = () => {
    const item = items[next++] as T
    return { handle: start(item), cost: options.cost(item) }
  }
  try {
    while (next < items.length || ahead.length > 0) {
      const current = ahead.shift() ?? begin()
      let bytes = current.cost
      for (const a of ahead) bytes += a.cost
      while (ahead.length < options.depth && next < items.length) {
        const cost = options.cost(items[next] as T)
        if (bytes + cost > options.budget) break
        ahead.push(begin())
        bytes += cost
      }
      yield current.handle
    }
  } finally {
    for (const a of ahead) a.handle.release()
  }
}
