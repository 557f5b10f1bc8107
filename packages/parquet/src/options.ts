import type { Field, HttpOptions, LoaderOptions, RangeReader, RemoteOptions, S3Options } from '@sd/core'
import {
  invalidOption,
  nameList,
  oneOf,
  resolveInt64,
  resolveRemoteOptions,
  resolveWorkers,
  validateFilter,
} from '@sd/core'

/** A value a filter compares with. */
export type ParquetFilterValue = string | number | bigint | boolean | Date | Uint8Array | null

/** Operators on one column; every one given must hold. */
export interface ParquetFilterOperators {
  $eq?: ParquetFilterValue
  $ne?: ParquetFilterValue
  $gt?: ParquetFilterValue
  $gte?: ParquetFilterValue
  $lt?: ParquetFilterValue
  $lte?: ParquetFilterValue
  $in?: ParquetFilterValue[]
  $nin?: ParquetFilterValue[]
  $not?: ParquetFilterOperators | ParquetFilterValue
}

/**
 * A row filter in sd's filter language (core's `compileFilter`): `{ value: { $gt: 10 } }`,
 * `{ $or: [{ label: 'a' }, { label: 'b' }] }`. Operators: `$eq $ne $gt $gte $lt $lte $in $nin
 * $not`, combined with `$and $or $nor`; a bare value means `$eq`; several columns in one object
 * must all match. Equality is strict: an INT64 column compares with bigints (`{ id: 5n }`).
 */
export type ParquetFilter = {
  $and?: ParquetFilter[]
  $or?: ParquetFilter[]
  $nor?: ParquetFilter[]
  [column: string]: ParquetFilterOperators | ParquetFilterValue | ParquetFilter[] | undefined
}

/**
 * What {@link loadParquet} and {@link ParquetStreamingLoader} read: a file path, a directory, an
 * `http(s)` URL, a core `RangeReader` (a file another package resolved: a file inside a CAR, a
 * Hugging Face file), or an array of these. A `RangeReader` is read, never closed, by the loader:
 * it must stay open while the loader is used, and its owner closes it.
 */
export type ParquetSource = string | URL | RangeReader | readonly (string | URL | RangeReader)[]

/**
 * Options of {@link loadParquet} and {@link ParquetStreamingLoader}: the shared loader options,
 * core's HTTP options for URL sources (`fetch`, `headers`, `retries`, `backoffMs`, `timeoutMs`,
 * `idleTimeoutMs`, `minBytesPerSecond`, `maxRedirects`), and what to read.
 */
export interface ParquetLoaderOptions extends LoaderOptions, RemoteOptions {
  /** Columns to read, in this order. Chunks of other columns are never read. Default: all. */
  columns?: readonly string[]
  /**
   * Keeps only the rows matching this filter. Row groups whose footer statistics (min, max,
   * null count) rule the filter out are skipped without reading them.
   */
  filters?: ParquetFilter
  /** Strict (`===`) equality in `filters`; `false` compares loosely (`==`). Default true. */
  filterStrict?: boolean
  /** `'object'` makes batches of row objects; default `'columns'` (typed arrays where possible). */
  rowFormat?: 'columns' | 'object'
  /**
   * How INT64 columns come out: `'bigint'` (default) as `BigInt64Array` (exact), `'number'` as
   * `float64` columns (`Float64Array`): integers beyond 2^53 (about 9.007e15) lose precision.
   * Timestamps stay `BigInt64Array` either way.
   */
  int64?: 'bigint' | 'number'
  /**
   * Threads that decode row groups: a number (`0`, the default, decodes in the calling thread), or
   * `'auto'`: one per available core (`os.availableParallelism()`), used when a pass has more than
   * one row group and at least 8 MiB of compressed data after the first (smaller passes decode in
   * the calling thread: starting threads would cost more than it saves). With `'auto'` the
   * calling thread decodes while the threads start and hands them the rest once they have
   * loaded. Threads pay off in a long-lived process on a machine with cores to spare; a single
   * read in a fresh process on two cores is faster in the calling thread (the threads' start and
   * compiler warm-up cost more).
   */
  workers?: 'auto' | number
  /**
   * Bytes per read of a large row group's column chunks (pages are read in windows of this size;
   * small row groups are read whole). Default 64 KiB for local files, 4 MiB for URLs and readers.
   */
  chunkBytes?: number
  /**
   * Row groups to read, by their 0-based index in each file; the others are never read (a file
   * packed in a CAR is read this way, one batch of its manifest at a time). Default: all.
   */
  rowGroups?: readonly number[]
}

/** One row group of a file: its rows and the bytes its column chunks span. */
export interface ParquetRowGroupInfo {
  numRows: number
  /** First byte of the row group's first column chunk (dictionary page included). */
  byteStart: number
  /** Byte just past the row group's last column chunk. */
  byteEnd: number
}

/** One file of a source, as {@link ParquetStreamingLoader.getMetadata} describes it. */
export interface ParquetFileInfo {
  /** Path or URL. */
  path: string
  numRows: number
  numRowGroups: number
  fileSizeBytes: number
  createdBy: string | undefined
  /** Hive-style `key=value` folder values of this file (empty outside directories). */
  partition: Record<string, unknown>
  /** The row groups, in file order. */
  rowGroups: ParquetRowGroupInfo[]
}

/** What {@link ParquetStreamingLoader.getMetadata} returns, from the footers alone. */
export interface ParquetMetadata {
  /** The source as given (a path, a URL, or the paths joined with `, `). */
  path: string
  /** True when the source is a directory. */
  isDirectory: boolean
  /** Rows in all files (before `filters`). */
  numRows: number
  numRowGroups: number
  /** The fields batches have (after `columns`, with partition columns last). */
  schema: Field[]
  /** `created_by` of the first file. */
  createdBy: string | undefined
  /** Bytes of all files. */
  fileSizeBytes: number
  /** Every file, in read order. */
  files: ParquetFileInfo[]
}

/**
 * Counters of the Parquet reads of a loader, over all its passes so far: what statistics pruning
 * skipped and what was read. `getStats().parquet` of the loader and of its dataset.
 */
export interface ParquetScanStats {
  /** Row groups decoded. */
  rowGroupsRead: number
  /**
   * Row groups of them decoded in worker threads (the others in the calling thread: with
   * `workers: 'auto'`, those decoded while the threads start).
   */
  rowGroupsInWorkers: number
  /** Row groups skipped because their statistics (or partition values) exclude `filters`. */
  rowGroupsSkipped: number
  /** Source bytes read (files or network; remote bytes served by the range cache included). */
  bytesRead: number
  /**
   * Compressed bytes never read: the selected column chunks of skipped row groups, and the pages
   * the page index skipped.
   */
  bytesSkipped: number
  /**
   * Data pages of the selected columns never read because the page index (ColumnIndex /
   * OffsetIndex) proved `filters` match none of their rows (pages of row groups it skipped whole
   * included).
   */
  pagesSkipped: number
  /** Rows decoded from the row groups read. */
  rowsDecoded: number
  /** Decoded rows dropped by `filters`. */
  rowsFiltered: number
}

/** Options with defaults applied (package internal). */
export interface ResolvedParquetOptions {
  columns: string[] | undefined
  filters: ParquetFilter | undefined
  filterStrict: boolean
  rowFormat: 'columns' | 'object'
  int64: 'bigint' | 'number'
  /** Decode threads (0: the calling thread). */
  workers: number
  /** True when `workers` came from `'auto'` (threads only for passes large enough). */
  autoWorkers: boolean
  /** Bytes per read of large row groups (the defaults when undefined). */
  chunkBytes: number | undefined
  /** Row groups to read (all when absent). */
  rowGroups: ReadonlySet<number> | undefined
  /** How URL sources are read (validated). */
  http: HttpOptions
  /** How `s3://` sources are reached. */
  s3: S3Options | undefined
}

/** The most decode threads a pass may ask for. */
const MAX_WORKERS = 256

/**
 * Validates the Parquet-specific options: a `ValidationError` (code `INVALID_OPTION`) names the
 * bad one, worded as core's validators word it in every package.
 */
export function resolveParquetOptions(options: ParquetLoaderOptions): ResolvedParquetOptions {
  const { filters, filterStrict = true } = options
  const columns = nameList('columns', options.columns)
  const rowFormat = oneOf('rowFormat', options.rowFormat, ['columns', 'object'], 'columns')
  const int64 = resolveInt64(options.int64)
  if (filters !== undefined && (typeof filters !== 'object' || filters === null || Array.isArray(filters))) {
    throw invalidOption(`filters must be an object such as { value: { $gt: 10 } }, got ${String(filters)}`)
  } // core's filter language says what is wrong and where (INVALID_FILTER)
  if (filters !== undefined) validateFilter(filters)

  const { rowGroups } = options
  if (
    rowGroups !== undefined &&
    (!Array.isArray(rowGroups) || rowGroups.some((g) => !Number.isSafeInteger(g) || g < 0))
  ) {
    throw invalidOption(
      `rowGroups must be an array of row group indexes (0, 1, ...), got ${JSON.stringify(rowGroups)}`,
    )
  }
  const { workers: workersOption = 0 } = options
  const workers = resolveWorkers(workersOption, 0)
  if (workersOption !== 'auto' && workers > MAX_WORKERS)
    throw invalidOption(`workers must be 'auto' or at most ${MAX_WORKERS}, got ${JSON.stringify(workers)}`)
  const { chunkBytes } = options
  if (chunkBytes !== undefined && !(Number.isInteger(chunkBytes) && chunkBytes >= 4096)) {
    throw invalidOption(`chunkBytes must be an integer of at least 4096, got ${String(chunkBytes)}`)
  }
  return {
    columns: columns ? [...columns] : undefined,
    filters,
    filterStrict,
    rowFormat,
    int64,
    workers,
    autoWorkers: workersOption === 'auto',
    chunkBytes,
    rowGroups: rowGroups ? new Set(rowGroups) : undefined,
    ...resolveRemoteOptions(options),
  }
}
