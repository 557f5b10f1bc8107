import { threadKernel } from './kernel.js'
import type { Metric } from './metric.js'
import { prepareQueries } from './metric.js'
import type { WorkerPool } from './pool.js'
import { mulberry32 } from './random.js'
import type { Heaps } from './scan.js'
import { scanRange } from './scan.js'
import { nextTurn } from './turn.js'

/** Options of `train`. */
export interface TrainOptions {
  /** k-means iterations (default 10). */
  iterations?: number
  /** Seed of the initial centroids and of re-seeding empty lists (default 1). */
  seed?: number
  /**
   * Called after each iteration with the iterations done and their total (a progress display;
   * the event loop turns between iterations).
   */
  onProgress?: (done: number, total: number) => void
}

/**
 * The nearest of `centroids` (by the index's metric) for each of `points`, with the same kernel that
 * searches: points are the queries, centroids the rows. Split over the pool's workers by points.
 */
export async function nearestCentroids(
  metric: Metric,
  points: Float32Array,
  centroids: Float32Array,
  dimension: number,
  pool: WorkerPool | undefined,
): Promise<Int32Array> {
  const n = points.length / dimension
  const nlist = centroids.length / dimension
  const prepared = prepareQueries(metric, points, dimension)
  const shared = new Float32Array(new SharedArrayBuffer(centroids.byteLength))
  shared.set(centroids)
  const rows = { vectors: shared, dimension }
  const out = new Int32Array(n)
  const chunk = 4096
  const parts: { from: number; heaps: Promise<Heaps[]> | Heaps }[] = []
  const parallel = pool !== undefined && pool.size > 1 && n * nlist * dimension > 1 << 24
  for (let from = 0; from < n; from += chunk) {
    const queries = prepared.subarray(from * dimension, Math.min(n, from + chunk) * dimension)
    if (parallel) {
      const task = {
        metric,
        k: 1,
        dimension,
        queries: queries.slice(),
        vectors: shared,
        start: 0,
        end: nlist,
      }
      parts.push({ from, heaps: (pool as WorkerPool).run([task]) })
    } else {
      parts.push({ from, heaps: scanRange(threadKernel(), metric, 1, queries, rows, 0, nlist) })
    }
  }
  for (const part of parts) {
    const got = await part.heaps
    const heaps = Array.isArray(got) ? (got[0] as Heaps) : got
    out.set(heaps.ids, part.from)
  }
  return out
}

/**
 * k-means over `sample` into `nlist` centroids, assigning with the search kernel. Under cosine (and
 * dot) the centroids are kept unit length (spherical k-means); a list left empty is re-seeded with a
 * random sample point.
 */
export async function kmeans(
  metric: Metric,
  sample: Float32Array,
  dimension: number,
  nlist: number,
  options: TrainOptions,
  pool: WorkerPool | undefined,
): Promise<Float32Array> {
  const n = sample.length / dimension
  const rand = mulberry32(options.seed ?? 1)
  const iterations = options.iterations ?? 10
  const points = metric === 'euclidean' ? sample : prepareQueries('cosine', sample, dimension)
  // distinct random sample points as the first centroids
  const centroids = new Float32Array(nlist * dimension)
  const picked = new Set<number>()
  for (let c = 0; c < nlist; c++) {
    let p = Math.floor(rand() * n)
    while (picked.has(p)) p = (p + 1) % n
    picked.add(p)
    centroids.set(points.subarray(p * dimension, (p + 1) * dimension), c * dimension)
  }
  const sums = new Float64Array(nlist * dimension)
  const counts = new Int32Array(nlist)
  for (let it = 0; it < iterations; it++) {
    const assigned = await nearestCentroids(metric, points, centroids, dimension, pool)
    sums.fill(0)
    counts.fill(0)
    for (let p = 0; p < n; p++) {
      const c = assigned[p] as number
      counts[c] = (counts[c] as number) + 1
      const base = c * dimension
      const from = p * dimension
      for (let i = 0; i < dimension; i++)
        sums[base + i] = (sums[base + i] as number) + (points[from + i] as number)
    }
    for (let c = 0; c < nlist; c++) {
      const count = counts[c] as number
      const base = c * dimension
      if (count === 0) {
        const p = Math.floor(rand() * n)
        centroids.set(points.subarray(p * dimension, (p + 1) * dimension), base)
        continue
      }
      let norm = 0
      for (let i = 0; i < dimension; i++) {
        const v = (sums[base + i] as number) / count
        centroids[base + i] = v
        norm += v * v
      }
      if (metric !== 'euclidean' && norm > 0) {
        const inv = 1 / Math.sqrt(norm)
        for (let i = 0; i < dimension; i++) centroids[base + i] = (centroids[base + i] as number) * inv
      }
    }
    options.onProgress?.(it + 1, iterations)
    await nextTurn()
  }
  return centroids
}
