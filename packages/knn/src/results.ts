import { finalScore, type Metric } from './metric.js'
import type { Heaps } from './scan.js'

/** One search hit: the row's index, its score (higher is nearer) and its metadata. */
export interface SearchResult<M = Record<string, unknown>> {
  /** The row's index in the index (stable: removals do not renumber rows). */
  index: number
  /** Cosine similarity, `1 / (1 + L2 distance)`, or the inner product, by the index's metric. */
  score: number
  /** The metadata given with the vector (`{ id: String(index) }` by default). */
  metadata: M
}

/** Merges partial top-k lists (from row ranges searched apart) into one per query. */
export function mergeHeaps(parts: readonly Heaps[]): Heaps {
  const first = parts[0]
  if (!first) throw new Error('mergeHeaps needs at least one part')
  if (parts.length === 1) return first
  const { nq, k } = first
  const scores = new Float32Array(nq * k)
  const ids = new Int32Array(nq * k).fill(-1)
  for (let q = 0; q < nq; q++) {
    const candidates: [number, number][] = []
    for (const part of parts)
      for (let j = q * k; j < (q + 1) * k; j++) {
        const id = part.ids[j] as number
        if (id >= 0) candidates.push([part.scores[j] as number, id])
      }
    candidates.sort(better)
    for (let j = 0; j < Math.min(k, candidates.length); j++) {
      const [s, id] = candidates[j] as [number, number]
      scores[q * k + j] = s
      ids[q * k + j] = id
    }
  }
  const maxSquaredNorm = Math.max(...parts.map((p) => p.maxSquaredNorm ?? 0))
  return { nq, k, scores, ids, maxSquaredNorm }
}

/** Best first: higher score, then lower row index. */
function better(a: [number, number], b: [number, number]): number {
  return b[0] - a[0] || a[1] - b[1]
}

/** Each query's hits best first, as (index, user-facing score) pairs. */
export function rankHeaps(metric: Metric, heaps: Heaps): { index: number; score: number }[][] {
  const out: { index: number; score: number }[][] = []
  for (let q = 0; q < heaps.nq; q++) {
    const pairs: [number, number][] = []
    for (let j = q * heaps.k; j < (q + 1) * heaps.k; j++) {
      const id = heaps.ids[j] as number
      if (id >= 0) pairs.push([heaps.scores[j] as number, id])
    }
    pairs.sort(better)
    out.push(pairs.map(([s, index]) => ({ index, score: finalScore(metric, s) })))
  }
  return out
}
