import type { Heaps } from './scan.js'

/** Extra candidates kept per query when euclidean scores come from inner products, for the re-rank. */
export const RERANK_MARGIN = 16

/**
 * The top `k` of each query's euclidean candidates by their exact distance, computed in float64 from
 * the float32 rows (`2 q.x - |x|^2` in float32 orders near neighbours approximately; this makes both
 * the order and the scores exact). Scores come back as negated squared distances, as the direct
 * kernel gives them. `row(id, out)` copies row `id` into `out`.
 */
export async function rerankL2(
  heaps: Heaps,
  queries: Float32Array,
  dimension: number,
  k: number,
  maxSquaredNorm: number,
  row: (id: number, out: Float32Array) => void | Promise<void>,
): Promise<{ heaps: Heaps; uncertain: number[] }> {
  const { nq } = heaps
  const scores = new Float32Array(nq * k)
  const ids = new Int32Array(nq * k).fill(-1)
  const uncertain: number[] = []
  const scratch = new Float32Array(dimension)
  const cache = new Map<number, Float32Array>()
  for (let q = 0; q < nq; q++) {
    const candidates: [number, number][] = []
    for (let j = q * heaps.k; j < (q + 1) * heaps.k; j++) {
      const id = heaps.ids[j] as number
      if (id < 0) continue
      let x = cache.get(id)
      if (!x) {
        const pending = row(id, scratch)
        if (pending) await pending
        x = scratch.slice()
        if (cache.size < 4096) cache.set(id, x)
      }
      let sum = 0
      for (let i = 0; i < dimension; i++) {
        const diff = (queries[q * dimension + i] as number) - (x[i] as number)
        sum += diff * diff
      }
      candidates.push([sum, id])
    }
    candidates.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    if (
      candidates.length === heaps.k &&
      !certified(heaps, q, queries, dimension, maxSquaredNorm, candidates, k)
    )
      uncertain.push(q)
    for (let j = 0; j < Math.min(k, candidates.length); j++) {
      const [sum, id] = candidates[j] as [number, number]
      scores[q * k + j] = -sum
      ids[q * k + j] = id
    }
  }
  return { heaps: { nq, k, scores, ids }, uncertain }
}

/** Unit roundoff of float32, doubled for safety. */
const U = 2 ** -23

/**
 * True when no row left out of query `q`'s candidates can be nearer than its k-th re-ranked one.
 * A row left out scored at most the lowest candidate score `s`; its true `2 q.x - |x|^2` is at most
 * `s + E`, where `E` bounds the float32 error of that score for any row (norms at most
 * `maxSquaredNorm`), so its squared distance `|q|^2 - (2 q.x - |x|^2)` is at least `|q|^2 - s - E`.
 */
function certified(
  heaps: Heaps,
  q: number,
  queries: Float32Array,
  dimension: number,
  maxSquaredNorm: number,
  ranked: [number, number][],
  k: number,
): boolean {
  let lowest = Number.POSITIVE_INFINITY
  for (let j = q * heaps.k; j < (q + 1) * heaps.k; j++) lowest = Math.min(lowest, heaps.scores[j] as number)
  let qq = 0
  for (let i = q * dimension; i < (q + 1) * dimension; i++) qq += (queries[i] as number) ** 2
  const error = (dimension + 4) * U * (2 * Math.sqrt(qq * maxSquaredNorm) + maxSquaredNorm + qq)
  const kth = (ranked[Math.min(k, ranked.length) - 1] as [number, number])[0]
  return qq - lowest - error > kth
}
