import type { CID } from 'multiformats/cid'
import type { Metric } from './metric.js'

/** The format name in every saved index's manifest. */
export const FORMAT = 'sd-knn-index'
/** The manifest version this package writes and reads. */
export const VERSION = 1
/** Largest block a saved index holds (vector blocks hold whole rows within it). */
export const MAX_BLOCK_BYTES = 1024 * 1024

/** A run of metadata objects in one dag-cbor block (`null` stands for the default metadata). */
export interface MetadataChunk {
  count: number
  link: CID
}

/** The IVF part of a manifest. */
export interface IvfManifest {
  nlist: number
  /** nlist x dimension float32 centroids, raw blocks. */
  centroids: CID[]
  /** nlist + 1 int32 list boundaries (rows of list i are `[offsets[i], offsets[i+1])`), raw blocks. */
  offsets: CID[]
  /** int32 index of the row stored at each position (rows are stored in list order), raw blocks. */
  ids: CID[]
  /** Points the centroids were trained on. */
  trainedOn: number
}

/** The root block of a saved index (dag-cbor). */
export interface IndexManifest {
  format: typeof FORMAT
  version: number
  kind: 'knn' | 'ivf'
  dimension: number
  metric: Metric
  /** Rows stored (removed ones included). */
  rows: number
  /** Rows per vector block (the last may hold fewer). */
  rowsPerBlock: number
  /** Vector blocks (raw, float32 little-endian, whole rows), in row order. */
  vectors: CID[]
  metadata: MetadataChunk[]
  /** int32 indices of removed rows, raw blocks. */
  removed: CID[]
  removedCount: number
  /** The `.npy` file written beside the CAR with the same rows. */
  npy: string
  ivf?: IvfManifest
}

/** Rows per vector block for a dimension (whole rows, at most {@link MAX_BLOCK_BYTES}). */
export function rowsPerBlock(dimension: number): number {
  return Math.max(1, Math.floor(MAX_BLOCK_BYTES / (dimension * 4)))
}
