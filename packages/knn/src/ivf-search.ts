import { abortErrorFrom } from '@sd/core'
import type { FileLists, MemoryList } from './ivf-lists.js'
import { type GroupHeaps, type GroupScan, type ListGroup, scanGroups } from './ivf-scan.js'
import { threadKernel } from './kernel.js'
import type { Metric } from './metric.js'
import type { WorkerPool } from './pool.js'
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

/** Candidates per query, merged over the lists it probed. */
class Candidates {
  readonly scores: number[][]
  readonly ids: number[][]
  constructor(nq: number) {
    this.scores = Array.from({ length: nq }, () => [])
    this.ids = Array.from({ length: nq }, () => [])
  }
  /** Adds the top-k lists of a group scan (`k` per query of each group, in order). */
  add(heaps: GroupHeaps, groups: readonly ListGroup[], k: number): void {
    let j = 0
    for (const g of groups)
      for (let i = 0; i < g.queries.length; i++) {
        const target = g.queries[i] as number
        const scores = this.scores[target] as number[]
        const ids = this.ids[target] as number[]
        for (const end = j + k; j < end; j++) {
          const id = heaps.ids[j] as number
          if (id < 0) continue
          scores.push(heaps.scores[j] as number)
          ids.push(id)
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

/** Work (rows x queries x dimension) below which an IVF search stays on the calling thread. */
const PARALLEL_WORK = 1 << 21
/** Groups scanned between two checks of the abort signal on the calling thread. */
const GROUPS_PER_CHECK = 32

/** The probed lists in list (storage) order, each with the queries probing it. */
function groupByList(rows: IvfRows, probes: Heaps, nq: number, nprobe: number): ListGroup[] {
  const nlist = rows.centroids.length / rows.dimension
  const counts = new Int32Array(nlist)
  for (let j = 0; j < nq * nprobe; j++) {
    const list = probes.ids[j] as number
    if (list >= 0) counts[list] = (counts[list] as number) + 1
  }
  const byList: (Int32Array | undefined)[] = new Array(nlist)
  const filled = new Int32Array(nlist)
  for (let q = 0; q < nq; q++)
    for (let j = q * nprobe; j < (q + 1) * nprobe; j++) {
      const list = probes.ids[j] as number
      if (list < 0) continue
      let queries = byList[list]
      if (!queries) {
        queries = new Int32Array(counts[list] as number)
        byList[list] = queries
      }
      queries[filled[list] as number] = q
      filled[list] = (filled[list] as number) + 1
    }
  const d = rows.dimension
  const groups: ListGroup[] = []
  for (let list = 0; list < nlist; list++) {
    const queries = byList[list]
    if (!queries) continue
    const memory = rows.lists[list]
    const count = memory?.count ?? 0
    groups.push({
      list,
      queries,
      fileStart: rows.file ? (rows.file.offsets[list] as number) : 0,
      fileEnd: rows.file ? (rows.file.offsets[list + 1] as number) : 0,
      memoryVectors: memory && count > 0 ? memory.vectors.subarray(0, count * d) : undefined,
      memoryIds: memory && count > 0 ? memory.ids.subarray(0, count) : undefined,
    })
  }
  return groups
}

/** Rows x queries of a group: its share of the work. */
function groupWork(g: ListGroup): number {
  return (g.fileEnd - g.fileStart + (g.memoryIds?.length ?? 0)) * g.queries.length
}

/** `groups` cut into at most `parts` runs of consecutive groups of about equal work. */
function splitGroups(groups: ListGroup[], parts: number): ListGroup[][] {
  let total = 0
  for (const g of groups) total += groupWork(g)
  const out: ListGroup[][] = []
  let current: ListGroup[] = []
  let done = 0
  for (const g of groups) {
    current.push(g)
    done += groupWork(g)
    if (done >= (total * (out.length + 1)) / parts && out.length < parts - 1) {
      out.push(current)
      current = []
    }
  }
  if (current.length > 0) out.push(current)
  return out
}

/**
 * Approximate top-k: the coarse quantizer scores every query against the centroids at once, the
 * queries are grouped by the lists they probe, and each probed list is read once (tile by tile,
 * straight into the kernel's memory) and scored against all the queries probing it. Large batches
 * are split over the workers by runs of lists (each worker reads its lists from the file itself).
 * A mask keeps only allowed rows.
 */
export async function searchLists(rows: IvfRows, plan: IvfPlan, pool?: WorkerPool): Promise<Heaps> {
  const d = rows.dimension
  const nq = plan.queries.length / d
  const probes = probe(rows, plan.queries, plan.nprobe)
  const groups = groupByList(rows, probes, nq, plan.nprobe)
  const scan: GroupScan = {
    metric: rows.metric,
    k: plan.k,
    dimension: d,
    queries: plan.queries,
    mask: plan.mask,
    file: rows.file?.stored,
  }
  const candidates = new Candidates(nq)
  let work = 0
  for (const g of groups) work += groupWork(g)
  if (pool && pool.size > 1 && work * d >= PARALLEL_WORK) {
    const mask = plan.mask
    if (mask && !(mask.buffer instanceof SharedArrayBuffer)) {
      const shared = new Uint8Array(new SharedArrayBuffer(mask.length))
      shared.set(mask)
      scan.mask = shared
    }
    const parts = splitGroups(groups, pool.size * 2)
    const replies = await pool.runGroups(
      parts.map((part) => ({ kind: 'groups', scan, groups: part })),
      plan.signal,
    )
    replies.forEach((reply, i) => {
      candidates.add(reply, parts[i] as ListGroup[], plan.k)
    })
    return candidates.toHeaps(plan.k)
  }
  const kernel = threadKernel()
  for (let at = 0; at < groups.length; at += GROUPS_PER_CHECK) {
    if (plan.signal?.aborted) throw abortErrorFrom(plan.signal)
    const part = groups.slice(at, at + GROUPS_PER_CHECK)
    candidates.add(scanGroups(kernel, scan, part), part, plan.k)
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
