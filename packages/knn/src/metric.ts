/** How similarity is scored: cosine similarity, `1 / (1 + L2 distance)`, or the inner product. */
export type Metric = 'cosine' | 'euclidean' | 'dot'

/** The metrics, in the order their numeric codes go to workers. */
export const METRICS: readonly Metric[] = ['cosine', 'euclidean', 'dot']

/** The kernel's selection mode of a metric: 1 cosine (scaled by inverse norms), 2 squared L2, 0 dot. */
export function kernelMode(metric: Metric): number {
  return metric === 'cosine' ? 1 : metric === 'euclidean' ? 2 : 0
}

/**
 * The user-facing score of a kernel score: cosine and dot as they are, euclidean from the negated
 * squared distance the kernel keeps (`1 / (1 + sqrt(d^2))`).
 */
export function finalScore(metric: Metric, kernelScore: number): number {
  if (metric === 'euclidean') return 1 / (1 + Math.sqrt(Math.max(0, -kernelScore)))
  return kernelScore
}

/**
 * Queries as the kernel wants them: unit length under cosine (a zero query stays zero and scores 0
 * with every row), unchanged otherwise. Returns a new array.
 */
export function prepareQueries(metric: Metric, queries: Float32Array, dimension: number): Float32Array {
  const out = new Float32Array(queries)
  if (metric !== 'cosine') return out
  for (let q = 0; q < out.length; q += dimension) {
    let s = 0
    for (let i = q; i < q + dimension; i++) s += (out[i] as number) * (out[i] as number)
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0
    for (let i = q; i < q + dimension; i++) out[i] = (out[i] as number) * inv
  }
  return out
}
