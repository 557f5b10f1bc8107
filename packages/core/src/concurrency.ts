/**
 * Runs `fn` over `items` with at most `limit` calls in flight and resolves with the results in
 * the order of `items`. The first rejection rejects the whole (calls already started finish on
 * their own; no new one starts).
 *
 * @example
 * ```ts
 * const footers = await mapConcurrent(paths, 8, (path) => readFooter(path))
 * ```
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  let failed = false
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++
      try {
        out[i] = await fn(items[i] as T, i)
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  const lanes = Math.max(1, Math.min(Math.floor(limit) || 1, items.length))
  await Promise.all(Array.from({ length: lanes }, lane))
  return out
}
