import { abortErrorFrom } from '@sd/core'
import type { FileLists, MemoryList } from './ivf-lists.js'
import { threadKernel } from './kernel.js'
import type { Metric } from './metric.js'
import { type Heaps, scanRange, TileScanner } from './scan.js'

/** What an IVF search reads. */
export interface IvfRows {
  dimension: number
  metric: Metric
  centroids: Float32Array
  lists: MemoryList[]
  file: FileLists | undefined
  /** Per row index: its position in its memory list, or `-1 - storage position` for a file row. */
  posOf: Int32Array
  /** Per row index: its list. */
  listOf: Int32Array
}

/** One search's queries and limits. */
export interface IvfPlan {
  queries: Float32Array
  k: number
  nprobe: number
  mask: Uint8Array | undefined
  signal: AbortSignal | undefined
}

/** Candidates per query, merged over lists. */
class Candidates {
  readonly scores: number[][]
  readonly ids: number[][]
  constructor(nq: number) {
    this.scores = Array.from({ length: nq }, () => [])
    this.ids = Array.from({ length: nq }, () => [])
  }
  add(heaps: Heaps, queryOf: (q: number) => number): void {
    for (let q = 0; q < heaps.nq; q++) {
      const target = queryOf(q)
      for (let j = q * heaps.k; j < (q + 1) * heaps.k; j++) {
        const id = heaps.ids[j] as number
        if (id < 0) continue
        ;(this.scores[target] as number[]).push(heaps.scores[j] as number)
        ;(this.ids[target] as number[]).push(id)
      }
    }
  }
  /** As one heap set (unordered top k per query). */
  toHeaps(k: number): Heaps {
    const nq = this.scores.length
    const scores = new Float32Array(nq * k)
    const ids = new Int32Array(nq * k).fill(-1)
    for (let q = 0; q < nq; q++) {
      const s = this.scores[q] as number[]
      const id = this.ids[q] as number[]
      const order = Array.from(s.keys()).sort(
        (a, b) => (s[b] as number) - (s[a] as number) || (id[a] as number) - (id[b] as number),
      )
      for (let j = 0; j < Math.min(k, order.length); j++) {
        scores[q * k + j] = s[order[j] as number] as number
        ids[q * k + j] = id[order[j] as number] as number
      }
    }
    return { nq, k, scores, ids }
  }
}

/** The lists each query probes: the `nprobe` nearest centroids by the index's metric. */
export function probe(rows: IvfRows, queries: Float32Array, nprobe: number): Heaps {
  return scanRange(
    threadKernel(),
    rows.metric,
    nprobe,
    queries,
    { vectors: rows.centroids, dimension: rows.dimension },
    0,
    rows.centroids.length / rows.dimension,
  )
}

/**
 * Approximate top-k: each query scans the rows of its `nprobe` nearest lists; queries probing the same
 * list scan it together, tile by tile, with the kernel. A mask keeps only allowed rows.
 */
export function searchLists(rows: IvfRows, plan: IvfPlan): Heaps {
  const d = rows.dimension
  const nq = plan.queries.length / d
  const probes = probe(rows, plan.queries, plan.nprobe)
  const byList = new Map<number, number[]>()
  for (let q = 0; q < nq; q++)
    for (let j = q * plan.nprobe; j < (q + 1) * plan.nprobe; j++) {
      const list = probes.ids[j] as number
      if (list < 0) continue
      const queries = byList.get(list)
      if (queries) queries.push(q)
      else byList.set(list, [q])
    }
  const candidates = new Candidates(nq)
  const kernel = threadKernel()
  for (const [list, queryIds] of byList) {
    if (plan.signal?.aborted) throw abortErrorFrom(plan.signal)
    const sub = new Float32Array(queryIds.length * d)
    queryIds.forEach((q, i) => {
      sub.set(plan.queries.subarray(q * d, (q + 1) * d), i * d)
    })
    const scanner = new TileScanner(kernel, d, rows.metric, plan.k, sub)
    const T = scanner.tileRows
    const scanTile = (n: number, ids: ArrayLike<number>, idsFrom: number) => {
      const tileIds = scanner.ids()
      let allowed = n
      if (plan.mask) {
        const mask = scanner.mask()
        allowed = 0
        for (let j = 0; j < n; j++) {
          const id = ids[idsFrom + j] as number
          tileIds[j] = id
          const ok = plan.mask[id] as number
          mask[j] = ok
          allowed += ok
        }
      } else for (let j = 0; j < n; j++) tileIds[j] = ids[idsFrom + j] as number
      if (allowed > 0) scanner.scan(n, 0, { useIds: true, useMask: plan.mask !== undefined && allowed < n })
    }
    const file = rows.file
    if (file) {
      const start = file.offsets[list] as number
      const end = file.offsets[list + 1] as number
      for (let at = start; at < end; at += T) {
        const n = Math.min(T, end - at)
        file.read(at, at + n, scanner.tile())
        scanTile(n, file.ids, at)
      }
    }
    const memory = rows.lists[list]
    if (memory && memory.count > 0)
      for (let at = 0; at < memory.count; at += T) {
        const n = Math.min(T, memory.count - at)
        scanner.tile().set(memory.vectors.subarray(at * d, (at + n) * d))
        scanTile(n, memory.ids, at)
      }
    candidates.add(scanner.heaps(), (q) => queryIds[q] as number)
  }
  return candidates.toHeaps(plan.k)
}

/** Exact top-k over the rows a mask allows (the IVF fallback for small allowed sets), row by row. */
export function searchAllowed(rows: IvfRows, plan: IvfPlan, allowedIds: Int32Array): Heaps {
  const d = rows.dimension
  const scanner = new TileScanner(threadKernel(), d, rows.metric, plan.k, plan.queries)
  const T = scanner.tileRows
  for (let at = 0; at < allowedIds.length; at += T) {
    if (plan.signal?.aborted) throw abortErrorFrom(plan.signal)
    const n = Math.min(T, allowedIds.length - at)
    const tile = scanner.tile()
    const ids = scanner.ids()
    for (let j = 0; j < n; j++) {
      const id = allowedIds[at + j] as number
      ids[j] = id
      const pos = rows.posOf[id] as number
      const out = tile.subarray(j * d, (j + 1) * d)
      if (pos < 0) (rows.file as FileLists).read(-1 - pos, -pos, out)
      else
        out.set(
          (rows.lists[rows.listOf[id] as number] as MemoryList).vectors.subarray(pos * d, (pos + 1) * d),
        )
    }
    scanner.scan(n, 0, { useIds: true })
  }
  return scanner.heaps()
}
