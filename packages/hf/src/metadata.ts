import type { DatasetStats, Field } from '@sd/core'
import type { SplitSource } from './resolve.js'

/** One file of the split, as `HuggingFaceStreamingLoader.getMetadata()` reports it. */
export interface HuggingFaceFileInfo {
  path: string
  /** The URL the bytes are read from (at the pinned commit). */
  url: string
  sizeBytes: number
  /** Rows in the file (Parquet only: from its footer). */
  numRows?: number
}

/** What `HuggingFaceStreamingLoader.getMetadata()` says about the source. */
export interface HuggingFaceMetadata {
  /** The dataset name (`undefined` for rows in memory). */
  dataset: string | undefined
  config: string | undefined
  split: string | undefined
  /** The commit sha every file is read at. */
  revision: string | undefined
  /** The revision asked for (`undefined`: the default branch). */
  requestedRevision: string | undefined
  /** The repository's own files, the hub's Parquet conversion, or rows in memory. */
  source: SplitSource | 'memory'
  format: 'parquet' | 'jsonl' | 'csv' | 'tsv' | 'txt' | 'rows'
  /** True when the hub's conversion holds only the split's first rows. */
  partial: boolean
  files: HuggingFaceFileInfo[]
  /** Rows in the split before filters (Parquet footers; an array's length after filters), else `undefined`. */
  numRows: number | undefined
  /** The columns batches have (Parquet: from the footers; otherwise `undefined`). */
  schema: Field[] | undefined
  /** The configs that exist, and the splits of the chosen one. */
  configs: string[]
  splits: string[]
}

/** What the loader read from the hub, over all its passes (`getStats().hub`). */
export interface HubReadStats {
  /** Files opened for reading (a file read in two passes counts twice). */
  filesRead: number
  /** Bytes of the files read (range reads the loader's cache answered included). */
  bytesRead: number
}

/** `HuggingFaceStreamingLoader.getStats()`: the shared stats plus what was read from the hub. */
export interface HuggingFaceStats extends DatasetStats {
  hub: HubReadStats
}
