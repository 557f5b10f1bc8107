import type { Int64Option, LoaderOptions, StreamingCache, WorkersOption } from '@sd/core'
import type { HubFiles } from './hub-files.js'
import type { ReadSettings } from './options.js'
import type { SplitFile } from './resolve.js'

/** Bytes read ahead of the reader when `prefetchBytes` is not given (as @sd/parquet bounds its row groups). */
export const READ_AHEAD_BYTES = 64 << 20

/** What reading a resolved split's files needs, whatever their format. */
export interface SplitRead {
  dataset: string
  files: SplitFile[]
  hubFiles: HubFiles
  read: ReadSettings
  /** The loader's cache: byte ranges of the files are kept there. */
  cache: StreamingCache | undefined
  /** Read-ahead of the format package (batches, and the I/O behind them). */
  prefetchBatches: number
  prefetchBytes: number | undefined
  /** Counts bytes read from the hub into the loader's statistics. */
  countBytes(bytes: number): void
  /** Counts a file opened for a pass. */
  countFile(): void
}

/** The options every format package's loader of one file gets from the split. */
export interface FileLoaderOptions extends LoaderOptions {
  int64: Int64Option
  columns?: string[]
  workers: WorkersOption
}

/**
 * Options of the loader of one file, whatever its format: the split's projection (`columns`),
 * int64 form, decoding threads and read-ahead (`prefetchBatches`, `prefetchBytes`), and no cache
 * or statistics of its own (the split's loader keeps both: byte ranges are cached by the file's
 * range reader).
 */
export function fileLoaderOptions(
  split: SplitRead,
  batchSize: number,
  columns: string[] | undefined,
): FileLoaderOptions {
  const { int64, workers } = split.read
  return {
    batchSize,
    prefetchBatches: split.prefetchBatches,
    ...(split.prefetchBytes === undefined ? {} : { prefetchBytes: split.prefetchBytes }),
    cacheEnabled: false,
    collectStats: false,
    int64,
    ...(columns ? { columns } : {}),
    workers,
  }
}
