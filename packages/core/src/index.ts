/**
 * @packageDocumentation
 * The shared foundation of sd: {@link RecordBatch}, {@link StreamingDataset}, the
 * {@link StreamingDataLoader} base, {@link PrefetchingQueue}, {@link StreamingCache},
 * {@link StreamingStats} and the {@link SdError} family.
 *
 * @example
 * ```ts
 * import { StreamingDataset } from '@sd/core'
 *
 * const rows = Array.from({ length: 1000 }, (_, id) => ({ id }))
 * const ds = StreamingDataset.from(rows, { batchSize: 100 }).filter((r) => r.id % 2 === 0, { batched: false })
 * console.log((await ds.toArray()).length) // 500
 * ```
 */

export { type BatchMessage, batchFromMessage, batchToMessage } from './batch-message.js'
export { type CacheStats, StreamingCache, type StreamingCacheOptions } from './cache.js'
export { CORE_ERROR_CODES, type CoreErrorCode } from './codes.js'
export * from './columns/index.js'
export { mapConcurrent } from './concurrency.js'
export {
  type BatchMapFn,
  type BatchPredicate,
  type BatchSource,
  type DatasetSource,
  type IterOptions,
  type RowMapFn,
  type RowPredicate,
  StreamingDataset,
} from './dataset.js'
export {
  AbortError,
  AuthError,
  abortErrorFrom,
  type ErrorLocation,
  FormatError,
  fileSystemError,
  formatLocation,
  IoError,
  isSdError,
  NetworkError,
  NotFoundError,
  SdError,
  type SdErrorOptions,
  StateError,
  systemErrorCode,
  throwIfAborted,
  UnsupportedError,
  ValidationError,
} from './errors.js'
export {
  type CompiledFilter,
  compileFilter,
  type Filter,
  type FilterErrorCode,
  type FilterOperators,
  type FilterOptions,
  type FilterValue,
  filterEquals,
  filterFields,
  invalidFilter,
  isOperatorObject,
  readField,
  validateFilter,
} from './filter/index.js'
export type { DatasetStats, Instruments, RecordCounters, RecordStats } from './instruments.js'
export { AtomicFile } from './io/atomic-file.js'
export { FileRangeReader } from './io/file-range.js'
export {
  type FolderFile,
  type FolderListOptions,
  hiddenBelow,
  isFolder,
  isRemoteFolder,
  listFolder,
} from './io/folder-list.js'
export {
  HTTP_DEFAULTS,
  type HttpOptions,
  type HttpSettings,
  httpTimeBudgetMs,
  pickHttpOptions,
  resolveHttpOptions,
} from './io/http-options.js'
export { type HttpRangeOptions, HttpRangeReader } from './io/http-range.js'
export { isHttpUrl, isRemoteSource, type OpenRangeOptions, openRange } from './io/open-range.js'
export type { RangeReader, RangeReaderStats } from './io/range-reader.js'
export { type ByteRange, rangeView } from './io/range-view.js'
export { type ReadAheadReaderOptions, readAheadReader } from './io/read-ahead-reader.js'
export { backoffDelay, RETRYABLE_STATUSES, retryAfterMs, sleep } from './io/retry.js'
export { type RetryOptions, retryingFetch, retryingRequest } from './io/retrying-fetch.js'
export {
  isS3Url,
  parseS3Url,
  resolveS3Options,
  type S3Location,
  type S3Options,
  type S3Settings,
} from './io/s3-config.js'
export { listS3, type S3ListOptions, type S3Object } from './io/s3-list.js'
export { type S3RangeOptions, S3RangeReader } from './io/s3-range.js'
export { type RangeScheme, registeredScheme, registerScheme, schemeOf, schemeProvider } from './io/schemes.js'
export {
  type ByteSource,
  type Compression,
  checkByteSource,
  gunzip,
  isByteStream,
  isGzipMagic,
  isRangeReader,
  OnePassGuard,
  type OpenTextOptions,
  openTextSource,
  type ReadRangeOptions,
  readRange,
  sourceLocation,
  sourceName,
  type TextSource,
} from './io/text/byte-source.js'
export { type ByteRangeUnit, byteRangeUnits, lineSpan, lineStart } from './io/text/line-units.js'
export { type ParallelTextPass, parallelTextPass, startTextPool } from './io/text/parallel-pass.js'
export {
  type ParallelTextOptions,
  parallelText,
  type RangeEnd,
  type RangeItem,
  type TextPosition,
  type TextRange,
} from './io/text/parallel-text.js'
export {
  acceptRangePayload,
  RangeItems,
  rangeItemTransfer,
  rangeStream,
  shiftedError,
  type TextRangePayload,
} from './io/text/range-items.js'
export {
  type RemoteOptions,
  type ResolvedRemoteOptions,
  resolveRemoteOptions,
} from './io/text/remote-options.js'
export {
  type BatchCacheKeyOptions,
  batchCacheKey,
  type SourceVersion,
  sourceVersion,
} from './io/text/source-version.js'
export {
  isFileList,
  TextFileListLoader,
  type TextFileListSpec,
  type TextSources,
} from './io/text/text-file-list.js'
export { TextStreamingLoader } from './io/text/text-loader.js'
export { firstInvalidUtf8, type InvalidByteSink, incompleteUtf8Tail, Utf8Checker } from './io/text/utf8.js'
export {
  type TextEncoding,
  type TextWriteResult,
  type TextWriteSource,
  writeTextBatches,
} from './io/text/write-text.js'
export { StreamingDataLoader } from './loader.js'
export {
  type Int64Option,
  invalidOption,
  nameList,
  nonEmptyString,
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  resolveInt64,
  resolveWorkers,
  type WorkersOption,
} from './option-validators.js'
export { type LoaderOptions, type ResolvedLoaderOptions, resolveLoaderOptions } from './options.js'
export type { ReadBatches, ReadContext } from './pass.js'
export { importPeer } from './peer.js'
export { PrefetchingQueue, type PrefetchOptions } from './prefetch.js'
export { type ReadAheadOptions, readAhead } from './read-ahead.js'
export { assertBatchSize, BatchAccumulator, rebatchStream } from './rebatch.js'
export { mergeSchemas, RecordBatch, type Row } from './record-batch.js'
export { relocatedError } from './relocate-error.js'
export {
  type Column,
  type DataType,
  type Field,
  inferField,
  inferSchemaFromRows,
  isTypedColumn,
  schemasEqual,
  type TypedColumn,
  typedArrayType,
  valueType,
  widenType,
} from './schema.js'
export type { ShardOptions, ShuffleOptions } from './shard/planned.js'
export type { DatasetState } from './shard/state.js'
export type { BlockPosition } from './shard/stream.js'
export { takeRows } from './shard/take-rows.js'
export { countUnitRows, skipRows } from './shard/unit-rows.js'
export { type DataUnit, hasUnits, type UnitPassSource, type UnitSource } from './shard/units.js'
export { sizeOf } from './size-of.js'
export { quantile, StreamingStats, type StreamingStatsOptions, type Throughput } from './stats.js'
export { isVectorSource, type VectorSource } from './vector-source.js'
export {
  closeSharedPools,
  type ErrorMessage,
  errorFromMessage,
  errorToMessage,
  leasePool,
  type PoolLease,
  type PoolTask,
  type SpawnOptions,
  serveWorker,
  spawnWorker,
  type TaskContext,
  type TaskOptions,
  type WorkerHandler,
  WorkerPool,
  type WorkerPoolOptions,
  workerModule,
} from './workers/index.js'
