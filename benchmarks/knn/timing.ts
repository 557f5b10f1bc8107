/** Small helpers of the kNN suite: recall@k against ground truth, one timed call. */

export function recallOf(got: number[][], truth: number[][]): number {
  let found = 0
  let total = 0
  got.forEach((q, i) => {
    const want = new Set(truth[i])
    total += want.size
    found += q.filter((x) => want.has(x)).length
  })
  return total === 0 ? 1 : found / total
}

export function timeOnce<T>(fn: () => T): { value: T; seconds: number } {
  const t0 = performance.now()
  const value = fn()
  return { value, seconds: (performance.now() - t0) / 1000 }
}

export async function timeOnceAsync<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - t0) / 1000 }
}
