import type { Kernel } from './kernel.js'
import { kernelMode, type Metric } from './metric.js'

/** Raw per-query top-k lists: `k` (kernel score, row id) pairs per query, unordered; id -1 = empty. */
export interface Heaps {
  nq: number
  k: number
  scores: Float32Array
  ids: Int32Array
  /** The largest squared norm among the rows scanned (euclidean scored by inner products). */
  maxSquaredNorm?: number
}

/** Queries per kernel pass: a block's scores over one tile stay in the first-level cache. */
const QUERY_BLOCK = 16
/** Bytes of rows per tile: small enough to stay in the second-level cache while every query block passes. */
const TILE_BYTES = 256 * 1024

/** Rows per tile for vectors of `dimension` components. */
export function tileRowsFor(dimension: number): number {
  return Math.max(16, Math.floor(TILE_BYTES / (dimension * 4)) & ~1)
}

/**
 * Streams tiles of rows through the kernel for a set of queries, keeping a bounded top-k per query.
 * The caller fills {@link TileScanner.tile} (and optionally the inverse norms, mask and ids views)
 * with up to `tileRows` rows, then calls {@link TileScanner.scan}.
 */
export class TileScanner {
  readonly tileRows: number
  /** The largest squared norm among the rows scanned (fast L2 only). */
  maxSquaredNorm = 0
  private readonly nq: number
  private readonly ptr: {
    queries: number
    tile: number
    scores: number
    norms: number
    mask: number
    ids: number
    heapScores: number
    heapIds: number
  }

  constructor(
    private readonly kernel: Kernel,
    private readonly dimension: number,
    private readonly metric: Metric,
    private readonly k: number,
    queries: Float32Array,
    private readonly fastL2 = false,
    tileRows = tileRowsFor(dimension),
  ) {
    this.tileRows = tileRows
    this.nq = queries.length / dimension
    const d = dimension
    const [q, tile, scores, norms, mask, ids, hs, hi] = kernel.reserve([
      queries.length * 4,
      tileRows * d * 4,
      Math.min(QUERY_BLOCK, this.nq) * tileRows * 4,
      tileRows * 4,
      tileRows,
      tileRows * 4,
      this.nq * k * 4,
      this.nq * k * 4,
    ]) as [number, number, number, number, number, number, number, number]
    this.ptr = { queries: q, tile, scores, norms, mask, ids, heapScores: hs, heapIds: hi }
    kernel.floats(q, queries.length).set(queries)
    kernel.exports.resetHeaps(hs, hi, this.nq * k)
  }

  /** Where the next tile's rows go (row-major, `tileRows x dimension`). */
  tile(): Float32Array {
    return this.kernel.floats(this.ptr.tile, this.tileRows * this.dimension)
  }

  /**
   * Where the next tile's row norms go when they are known: inverse norms under cosine, squared
   * norms under euclidean with `fastL2` (see `scan`'s `normsGiven`).
   */
  norms(): Float32Array {
    return this.kernel.floats(this.ptr.norms, this.tileRows)
  }

  /** Where the next tile's row mask goes (1 = the row may be returned). */
  mask(): Uint8Array {
    return this.kernel.bytes(this.ptr.mask, this.tileRows)
  }

  /** Where the next tile's row ids go, when they are not consecutive. */
  ids(): Int32Array {
    return this.kernel.ints(this.ptr.ids, this.tileRows)
  }

  /** The row norms this scan uses, if any: `'inverse'` (cosine), `'squared'` (fast L2). */
  get normKind(): 'inverse' | 'squared' | undefined {
    if (this.metric === 'cosine') return 'inverse'
    return this.metric === 'euclidean' && this.fastL2 ? 'squared' : undefined
  }

  /**
   * Scores the `n` rows in the tile against every query and offers them to the heaps. Row ids are
   * `rowBase + r` unless `useIds`. The row norms the metric needs (see `normKind`) are computed
   * here unless `normsGiven`. With `fastL2`, euclidean scores are `2 q.x - |x|^2` (an inner
   * product: a third fewer operations than the direct distance), to be re-ranked exactly after.
   */
  scan(
    n: number,
    rowBase: number,
    options: { normsGiven?: boolean; useMask?: boolean; useIds?: boolean } = {},
  ) {
    if (n <= 0) return
    const x = this.kernel.exports
    const p = this.ptr
    const d = this.dimension
    const kind = this.normKind
    if (kind === 'inverse' && !options.normsGiven) x.inverseNorms(p.tile, n, d, p.norms)
    if (kind === 'squared') {
      if (!options.normsGiven) x.squaredNorms(p.tile, n, d, p.norms)
      const norms = this.norms()
      for (let r = 0; r < n; r++)
        if ((norms[r] as number) > this.maxSquaredNorm) this.maxSquaredNorm = norms[r] as number
    }
    const mode = kind === 'squared' ? 3 : kernelMode(this.metric)
    const l2 = mode === 2
    for (let q0 = 0; q0 < this.nq; q0 += QUERY_BLOCK) {
      const nb = Math.min(QUERY_BLOCK, this.nq - q0)
      const qPtr = p.queries + q0 * d * 4
      if (l2) x.l2Tile(qPtr, nb, p.tile, n, d, p.scores)
      else x.dotTile(qPtr, nb, p.tile, n, d, p.scores)
      x.selectTopK(
        p.scores,
        nb,
        n,
        this.k,
        p.heapScores + q0 * this.k * 4,
        p.heapIds + q0 * this.k * 4,
        mode,
        p.norms,
        rowBase,
        options.useIds ? p.ids : 0,
        options.useMask ? p.mask : 0,
      )
    }
  }

  /** The heaps so far (copies). */
  heaps(): Heaps {
    const count = this.nq * this.k
    const ids = this.kernel.ints(this.ptr.heapIds, count).slice()
    for (let i = 0; i < ids.length; i++) if (ids[i] === 0x7fffffff) ids[i] = -1
    const scores = this.kernel.floats(this.ptr.heapScores, count).slice()
    return { nq: this.nq, k: this.k, scores, ids, maxSquaredNorm: this.maxSquaredNorm }
  }
}

/** Rows held in memory, as the scanners read them. */
export interface MemoryRows {
  /** Every row, row-major. */
  vectors: Float32Array
  dimension: number
  /** Row norms by row, when precomputed: inverse (cosine) or squared (euclidean, fast L2). */
  norms?: Float32Array | undefined
  /** The largest squared row norm (euclidean), for the re-rank's error bound. */
  maxSquaredNorm?: number | undefined
  /** One byte per row, 1 = may be returned; absent = every row may. */
  mask?: Uint8Array | undefined
  /** The id of row 0 of `vectors` (a chunk of a larger source); default 0. */
  rowBase?: number | undefined
}

/** Exact top-k of `queries` over rows `[start, end)` of `rows`. */
export function scanRange(
  kernel: Kernel,
  metric: Metric,
  k: number,
  queries: Float32Array,
  rows: MemoryRows,
  start: number,
  end: number,
  fastL2 = false,
): Heaps {
  const d = rows.dimension
  const scanner = new TileScanner(kernel, d, metric, k, queries, fastL2)
  const T = scanner.tileRows
  const normsGiven = scanner.normKind !== undefined && rows.norms !== undefined
  for (let at = start; at < end; at += T) {
    const n = Math.min(T, end - at)
    let useMask = false
    if (rows.mask) {
      const slice = rows.mask.subarray(at, at + n)
      let allowed = 0
      for (let i = 0; i < n; i++) allowed += slice[i] as number
      if (allowed === 0) continue
      if (allowed < n) {
        scanner.mask().set(slice)
        useMask = true
      }
    }
    scanner.tile().set(rows.vectors.subarray(at * d, (at + n) * d))
    if (normsGiven) scanner.norms().set((rows.norms as Float32Array).subarray(at, at + n))
    scanner.scan(n, (rows.rowBase ?? 0) + at, { normsGiven, useMask })
  }
  return scanner.heaps()
}

/** Exact top-k of `queries` over the listed rows `ids[start, end)` of `rows` (a gather). */
export function scanList(
  kernel: Kernel,
  metric: Metric,
  k: number,
  queries: Float32Array,
  rows: MemoryRows,
  ids: Int32Array,
  start: number,
  end: number,
  fastL2 = false,
): Heaps {
  const d = rows.dimension
  const scanner = new TileScanner(kernel, d, metric, k, queries, fastL2)
  const T = scanner.tileRows
  const normsGiven = scanner.normKind !== undefined && rows.norms !== undefined
  const v = rows.vectors
  for (let at = start; at < end; at += T) {
    const n = Math.min(T, end - at)
    const tile = scanner.tile()
    const tileIds = scanner.ids()
    const norms = scanner.norms()
    for (let j = 0; j < n; j++) {
      const id = ids[at + j] as number
      tileIds[j] = id
      const from = id * d
      const to = j * d
      for (let i = 0; i < d; i++) tile[to + i] = v[from + i] as number
      if (normsGiven) norms[j] = (rows.norms as Float32Array)[id] as number
    }
    scanner.scan(n, 0, { normsGiven, useIds: true })
  }
  return scanner.heaps()
}
