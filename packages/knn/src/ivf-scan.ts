import { readSync } from 'node:fs'
import { corrupt } from './errors.js'
import type { Kernel } from './kernel.js'
import type { Metric } from './metric.js'
import { TileScanner } from './scan.js'

/**
 * Where the rows of a saved IVF index are in its CAR, as plain data (it goes to workers as is):
 * storage row `r` is in vector block `floor(r / rowsPerBlock)`, whose data starts at `blockOffsets`.
 */
export interface StoredRows {
  /** The open CAR (a process-wide descriptor: workers read it too). */
  fd: number
  path: string
  blockOffsets: Float64Array
  rowsPerBlock: number
  rowBytes: number
  /** The row index of each storage row (over a SharedArrayBuffer). */
  ids: Int32Array
}

/** Copies storage rows `[start, end)` into `out` (positional reads, block by block). */
export function readStoredRows(file: StoredRows, start: number, end: number, out: Float32Array): void {
  const per = file.rowsPerBlock
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  let at = start
  let written = 0
  while (at < end) {
    const block = Math.floor(at / per)
    const stop = Math.min(end, (block + 1) * per)
    const length = (stop - at) * file.rowBytes
    const position = (file.blockOffsets[block] as number) + (at - block * per) * file.rowBytes
    for (let done = 0; done < length; ) {
      const got = readSync(file.fd, bytes, written + done, length - done, position + done)
      if (got === 0) throw corrupt('CAR_TRUNCATED', 'The CAR ended inside a vector block', file.path)
      done += got
    }
    written += length
    at = stop
  }
}

/** One probed list and the queries that probe it. */
export interface ListGroup {
  list: number
  /** The numbers of the queries probing the list (into the scan's `queries`). */
  queries: Int32Array
  /** The list's stored rows `[fileStart, fileEnd)` (storage positions; empty without a file). */
  fileStart: number
  fileEnd: number
  /** The list's rows held in memory (row-major) and their row indices, if any. */
  memoryVectors?: Float32Array | undefined
  memoryIds?: Int32Array | undefined
}

/** What a scan of list groups reads, the same on the calling thread and in a worker. */
export interface GroupScan {
  metric: Metric
  k: number
  dimension: number
  /** Every query of the search, prepared (unit length under cosine). */
  queries: Float32Array
  /** Rows that may be returned (1 = allowed), by row index; absent = all. */
  mask?: Uint8Array | undefined
  file?: StoredRows | undefined
}

/** Raw top-k lists of a group scan: for each group in order, `k` per query of the group. */
export interface GroupHeaps {
  scores: Float32Array
  ids: Int32Array
}

/**
 * Scans each group's list once (tile by tile, straight into the kernel's memory) against every
 * query probing it, keeping a bounded top-k per (group, query). A mask keeps only allowed rows.
 */
export function scanGroups(kernel: Kernel, scan: GroupScan, groups: readonly ListGroup[]): GroupHeaps {
  const d = scan.dimension
  const k = scan.k
  let total = 0
  for (const g of groups) total += g.queries.length
  const outScores = new Float32Array(total * k)
  const outIds = new Int32Array(total * k).fill(-1)
  let widest = 0
  for (const g of groups) widest = Math.max(widest, g.queries.length)
  const sub = new Float32Array(widest * d)
  const mask = scan.mask
  let at = 0
  for (const g of groups) {
    const nq = g.queries.length
    for (let i = 0; i < nq; i++) {
      const q = g.queries[i] as number
      sub.set(scan.queries.subarray(q * d, (q + 1) * d), i * d)
    }
    const scanner = new TileScanner(kernel, d, scan.metric, k, sub.subarray(0, nq * d))
    const T = scanner.tileRows
    const scanTile = (n: number, ids: Int32Array, from: number) => {
      const tileIds = scanner.ids()
      tileIds.set(ids.subarray(from, from + n))
      let allowed = n
      if (mask) {
        const tileMask = scanner.mask()
        allowed = 0
        for (let j = 0; j < n; j++) {
          const ok = mask[tileIds[j] as number] as number
          tileMask[j] = ok
          allowed += ok
        }
      }
      if (allowed > 0) scanner.scan(n, 0, { useIds: true, useMask: allowed < n })
    }
    const file = scan.file
    if (file)
      for (let r = g.fileStart; r < g.fileEnd; r += T) {
        const n = Math.min(T, g.fileEnd - r)
        readStoredRows(file, r, r + n, scanner.tile())
        scanTile(n, file.ids, r)
      }
    const vectors = g.memoryVectors
    const ids = g.memoryIds
    if (vectors && ids)
      for (let r = 0; r < ids.length; r += T) {
        const n = Math.min(T, ids.length - r)
        scanner.tile().set(vectors.subarray(r * d, (r + n) * d))
        scanTile(n, ids, r)
      }
    const heaps = scanner.heaps()
    outScores.set(heaps.scores, at * k)
    outIds.set(heaps.ids, at * k)
    at += nq
  }
  return { scores: outScores, ids: outIds }
}
