import type { Metric } from '../metric.js'

/** One expected hit. */
export interface Hit {
  index: number
  score: number
}

/** The plain JS reference: every score in float64, best first, ties by lower index. */
export function jsTopK(
  metric: Metric,
  rows: Float32Array,
  queries: Float32Array,
  d: number,
  k: number,
  allowed?: (r: number) => boolean,
): Hit[][] {
  const n = rows.length / d
  const out: Hit[][] = []
  for (let q = 0; q < queries.length / d; q++) {
    const all: Hit[] = []
    for (let r = 0; r < n; r++) {
      if (allowed && !allowed(r)) continue
      let dot = 0
      let qq = 0
      let xx = 0
      let l2 = 0
      for (let i = 0; i < d; i++) {
        const a = queries[q * d + i] as number
        const b = rows[r * d + i] as number
        dot += a * b
        qq += a * a
        xx += b * b
        l2 += (a - b) * (a - b)
      }
      const score =
        metric === 'dot'
          ? dot
          : metric === 'euclidean'
            ? 1 / (1 + Math.sqrt(l2))
            : qq > 0 && xx > 0
              ? dot / Math.sqrt(qq * xx)
              : 0
      all.push({ index: r, score })
    }
    all.sort((a, b) => b.score - a.score || a.index - b.index)
    out.push(all.slice(0, k))
  }
  return out
}
