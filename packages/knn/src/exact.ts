import { abortErrorFrom, throwIfAborted, type VectorSource } from '@sd/core'
import { Kernel, threadKernel } from './kernel.js'
import type { Metric } from './metric.js'
import type { WorkerPool } from './pool.js'
import { RERANK_MARGIN, rerankL2 } from './rerank.js'
import { mergeHeaps } from './results.js'
import { type Heaps, type MemoryRows, scanList, scanRange, TileScanner } from './scan.js'

/** Work (rows x queries x dimension) below which a search stays on the calling thread. */
const PARALLEL_WORK = 1 << 24

/** What an exact search reads and keeps. */
export interface ExactPlan {
  metric: Metric
  k: number
  /** Prepared queries, flat. */
  queries: Float32Array
  /** Rows that may be returned (1 = allowed), or none for all rows. */
  mask?: Uint8Array | undefined
  /** How many rows the mask allows (or the row count without a mask). */
  allowed: number
  signal?: AbortSignal | undefined
  /** Euclidean with the direct distance (no inner-product form, no re-rank). */
  forceDirect?: boolean
}

/**
 * Replaces the results of the `uncertain` queries with those of `direct` (a search with the direct
 * distance), so every query's top-k is exact.
 */
async function redo(
  heaps: Heaps,
  uncertain: number[],
  queries: Float32Array,
  d: number,
  direct: (queries: Float32Array) => Heaps | Promise<Heaps>,
): Promise<Heaps> {
  if (uncertain.length === 0) return heaps
  const subset = new Float32Array(uncertain.length * d)
  uncertain.forEach((q, i) => {
    subset.set(queries.subarray(q * d, (q + 1) * d), i * d)
  })
  const again = await direct(subset)
  uncertain.forEach((q, i) => {
    heaps.scores.set(again.scores.subarray(i * heaps.k, (i + 1) * heaps.k), q * heaps.k)
    heaps.ids.set(again.ids.subarray(i * heaps.k, (i + 1) * heaps.k), q * heaps.k)
  })
  return heaps
}

/** Allowed rows below this share of all rows are gathered rather than scanned with a mask. */
const GATHER_SHARE = 1 / 16

function allowedList(mask: Uint8Array, allowed: number, shared: boolean): Int32Array {
  const list = new Int32Array(shared ? new SharedArrayBuffer(allowed * 4) : new ArrayBuffer(allowed * 4))
  let j = 0
  for (let i = 0; i < mask.length && j < allowed; i++) if (mask[i]) list[j++] = i
  return list
}

/**
 * Exact top-k over rows in memory (SharedArrayBuffers): on the calling thread, or split into as
 * many row ranges as the pool has workers when the work is large enough.
 */
export async function searchMemory(
  rows: MemoryRows,
  rowCount: number,
  plan: ExactPlan,
  pool: WorkerPool | undefined,
): Promise<Heaps> {
  throwIfAborted(plan.signal)
  const d = rows.dimension
  const gather = plan.mask !== undefined && plan.allowed < rowCount * GATHER_SHARE
  const list = gather ? allowedList(plan.mask as Uint8Array, plan.allowed, pool !== undefined) : undefined
  const span = list ? list.length : rowCount
  const nq = plan.queries.length / d
  const parts = pool && pool.size > 1 && span * nq * d >= PARALLEL_WORK ? pool.size : 1
  const withMask = gather ? { ...rows, mask: undefined } : { ...rows, mask: plan.mask }
  const fast = plan.metric === 'euclidean'
  const k = fast ? plan.k + RERANK_MARGIN : plan.k
  const direct = (queries: Float32Array) =>
    list
      ? scanList(threadKernel(), plan.metric, plan.k, queries, withMask, list, 0, span)
      : scanRange(threadKernel(), plan.metric, plan.k, queries, withMask, 0, span)
  const finish = async (heaps: Heaps) => {
    if (!fast) return heaps
    const maxSquaredNorm = rows.maxSquaredNorm ?? Number.POSITIVE_INFINITY
    const { heaps: ranked, uncertain } = await rerankL2(
      heaps,
      plan.queries,
      d,
      plan.k,
      maxSquaredNorm,
      (id, out) => {
        out.set(rows.vectors.subarray(id * d, (id + 1) * d))
      },
    )
    return redo(ranked, uncertain, plan.queries, d, direct)
  }
  if (parts === 1 || !pool) {
    const kernel = threadKernel()
    return finish(
      list
        ? scanList(kernel, plan.metric, k, plan.queries, withMask, list, 0, span, fast)
        : scanRange(kernel, plan.metric, k, plan.queries, withMask, 0, span, fast),
    )
  }
  const step = Math.ceil(span / parts)
  const tasks = []
  for (let start = 0; start < span; start += step)
    tasks.push({
      metric: plan.metric,
      k,
      dimension: d,
      queries: plan.queries,
      vectors: rows.vectors,
      norms: rows.norms,
      fastL2: fast,
      mask: withMask.mask,
      list,
      start,
      end: Math.min(span, start + step),
    })
  return finish(mergeHeaps(await pool.run(tasks, plan.signal)))
}

/**
 * Exact top-k over a {@link VectorSource} (a memory-mapped file larger than RAM, say): tiles are read
 * straight into the kernel's memory one after another, so memory stays at one tile whatever the
 * source's size. Tiles the mask allows nothing in are not read; a small allowed set is read row by row.
 */
export async function searchSource(
  source: VectorSource,
  plan: ExactPlan,
  pool?: WorkerPool | undefined,
): Promise<Heaps> {
  const d = source.dimension
  const nq = plan.queries.length / d
  const smallSet = plan.mask !== undefined && plan.allowed < source.length / 64
  if (pool && pool.size > 1 && !smallSet && !plan.forceDirect && source.length * nq * d >= PARALLEL_WORK)
    return searchSourceParallel(source, plan, pool)
  const kernel = new Kernel() // its own memory: other searches may run while this one awaits reads
  const fast = plan.metric === 'euclidean' && !plan.forceDirect
  const scanner = new TileScanner(
    kernel,
    d,
    plan.metric,
    fast ? plan.k + RERANK_MARGIN : plan.k,
    plan.queries,
    fast,
  )
  const finish = async (heaps: Heaps) => {
    if (!fast) return heaps
    const { heaps: ranked, uncertain } = await rerankL2(
      heaps,
      plan.queries,
      d,
      plan.k,
      heaps.maxSquaredNorm ?? Number.POSITIVE_INFINITY,
      async (id, out) => {
        const got = source.readRows(id, id + 1, out)
        if (typeof got !== 'number') await got
      },
    )
    // queries the bound cannot certify: another pass with the direct distance
    return redo(ranked, uncertain, plan.queries, d, (queries) =>
      searchSource(source, { ...plan, metric: 'euclidean', queries, forceDirect: true }),
    )
  }
  const T = scanner.tileRows
  const rowCount = source.length
  const check = () => {
    if (plan.signal?.aborted) throw abortErrorFrom(plan.signal)
  }
  if (plan.mask && plan.allowed < rowCount / 64) {
    const list = allowedList(plan.mask, plan.allowed, false)
    for (let at = 0; at < list.length; at += T) {
      check()
      const n = Math.min(T, list.length - at)
      const tile = scanner.tile()
      const ids = scanner.ids()
      for (let j = 0; j < n; j++) {
        const id = list[at + j] as number
        ids[j] = id
        const got = source.readRows(id, id + 1, tile.subarray(j * d, (j + 1) * d))
        if (typeof got !== 'number') await got
      }
      scanner.scan(n, 0, { useIds: true })
    }
    return finish(scanner.heaps())
  }
  for (let at = 0; at < rowCount; at += T) {
    check()
    const n = Math.min(T, rowCount - at)
    let useMask = false
    if (plan.mask) {
      const slice = plan.mask.subarray(at, at + n)
      let allowed = 0
      for (let i = 0; i < n; i++) allowed += slice[i] as number
      if (allowed === 0) continue
      if (allowed < n) {
        scanner.mask().set(slice)
        useMask = true
      }
    }
    const pending = source.readRows(at, at + n, scanner.tile())
    const got = typeof pending === 'number' ? pending : await pending
    scanner.scan(Math.min(got, n), at, { useMask })
  }
  return finish(scanner.heaps())
}

/** Rows per chunk a parallel source search reads at once (8 MiB of rows). */
const CHUNK_BYTES = 8 << 20
/** Chunks read ahead of the workers. */
const CHUNK_SLOTS = 3

/**
 * Exact top-k over a source on the workers: the calling thread reads chunks of rows from the source
 * into shared buffers (a few in turn, so reading overlaps scanning) and each chunk is split over the
 * workers; their top-k lists are merged chunk by chunk. Memory stays at a few chunks.
 */
async function searchSourceParallel(source: VectorSource, plan: ExactPlan, pool: WorkerPool): Promise<Heaps> {
  const d = source.dimension
  const rowCount = source.length
  const fast = plan.metric === 'euclidean'
  const k = fast ? plan.k + RERANK_MARGIN : plan.k
  const chunkRows = Math.max(1024, Math.floor(CHUNK_BYTES / (d * 4)))
  // the queries go to every task of every chunk: in shared memory they are posted, not copied,
  // so the workers' heaps do not fill with a copy per chunk (hundreds for a file of millions of rows)
  const queries = new Float32Array(new SharedArrayBuffer(plan.queries.byteLength))
  queries.set(plan.queries)
  const free: Float32Array[] = Array.from(
    { length: CHUNK_SLOTS },
    () => new Float32Array(new SharedArrayBuffer(chunkRows * d * 4)),
  )
  const inFlight: Promise<void>[] = []
  const parts: Heaps[] = []
  let merged: Heaps | undefined
  const absorb = () => {
    if (parts.length === 0) return
    merged = mergeHeaps(merged ? [merged, ...parts] : parts)
    parts.length = 0
  }
  for (let at = 0; at < rowCount; at += chunkRows) {
    throwIfAborted(plan.signal)
    const n = Math.min(chunkRows, rowCount - at)
    let mask: Uint8Array | undefined
    if (plan.mask) {
      mask = plan.mask.subarray(at, at + n)
      if (!mask.includes(1)) continue
    }
    while (free.length === 0) await inFlight.shift()
    const slot = free.pop() as Float32Array
    const pending = source.readRows(at, at + n, slot)
    const got = typeof pending === 'number' ? pending : await pending
    const rows = Math.min(got, n)
    const step = Math.ceil(rows / pool.size)
    const tasks = []
    for (let start = 0; start < rows; start += step)
      tasks.push({
        metric: plan.metric,
        k,
        dimension: d,
        queries,
        vectors: slot,
        mask: mask && mask.buffer instanceof SharedArrayBuffer ? mask : mask?.slice(),
        rowBase: at,
        start,
        end: Math.min(rows, start + step),
        fastL2: fast,
      })
    const done = pool.run(tasks, plan.signal).then((heaps) => {
      parts.push(...heaps)
      absorb()
      free.push(slot)
    })
    done.catch(() => undefined) // awaited below; a failure is thrown there, not reported as unhandled
    inFlight.push(done)
  }
  await Promise.all(inFlight)
  absorb()
  const heaps = merged ?? {
    nq: plan.queries.length / d,
    k,
    scores: new Float32Array(0),
    ids: new Int32Array(0),
  }
  if (!fast || !merged) return heaps
  const { heaps: ranked, uncertain } = await rerankL2(
    heaps,
    plan.queries,
    d,
    plan.k,
    heaps.maxSquaredNorm ?? Number.POSITIVE_INFINITY,
    async (id, out) => {
      const got = source.readRows(id, id + 1, out)
      if (typeof got !== 'number') await got
    },
  )
  return redo(ranked, uncertain, plan.queries, d, (queries) =>
    searchSource(source, { ...plan, metric: 'euclidean', queries, forceDirect: true }),
  )
}
