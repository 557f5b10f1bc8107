import type { GroupScan, ListGroup } from './ivf-scan.js'
import type { Metric } from './metric.js'

/** A scan a worker runs: rows `[start, end)` of the shared vectors, or of the shared row list. */
export interface ScanRequest {
  metric: Metric
  k: number
  dimension: number
  /** Prepared queries (unit length under cosine). */
  queries: Float32Array
  /** Every row, row-major, over a SharedArrayBuffer (shared, never copied). */
  vectors: Float32Array
  /** Row norms (see `MemoryRows.norms`). */
  norms?: Float32Array | undefined
  /** Euclidean scored as `2 q.x - |x|^2`, re-ranked by the caller. */
  fastL2?: boolean | undefined
  mask?: Uint8Array | undefined
  /** The id of row 0 of `vectors` (a chunk of a source); default 0. */
  rowBase?: number | undefined
  /** Row ids to gather; `start` and `end` then index this list. */
  list?: Int32Array | undefined
  start: number
  end: number
}

/** A worker's answer: the raw top-k lists of its rows. */
export interface ScanReply {
  scores: Float32Array
  ids: Int32Array
  maxSquaredNorm: number
}

/** An IVF scan a worker runs: each group's list against the queries probing it. */
export interface GroupScanRequest {
  kind: 'groups'
  scan: GroupScan
  groups: ListGroup[]
}

/** Any task of a search worker. */
export type WorkerRequest = ScanRequest | GroupScanRequest
