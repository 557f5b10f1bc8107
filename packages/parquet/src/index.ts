/**
 * @packageDocumentation
 * Stream Parquet files, directories and URLs in bounded memory: row group by row group (or row
 * range), with read-ahead, column projection, statistics pruning, exact row filters, every common
 * codec, and a streaming writer.
 *
 * @example
 * ```ts
 * import { loadParquet, writeParquet } from '@sd/parquet'
 *
 * const ds = loadParquet('data/', { batchSize: 10_000, columns: ['id', 'value'], filters: { value: { $gt: 10 } } })
 * for await (const batch of ds) console.log(batch.numRows, batch.column('value'))
 * await writeParquet(ds, 'filtered.parquet', { codec: 'ZSTD', rowGroupSize: 100_000 })
 * ```
 */

export { PARQUET_ERROR_CODES, type ParquetErrorCode } from './errors.js'
export { loadParquet } from './load.js'
export { type ParquetDatasetStats, ParquetStreamingLoader } from './loader.js'
export type {
  ParquetFileInfo,
  ParquetFilter,
  ParquetFilterOperators,
  ParquetFilterValue,
  ParquetLoaderOptions,
  ParquetMetadata,
  ParquetRowGroupInfo,
  ParquetScanStats,
  ParquetSource,
} from './options.js'
export { closeParquetWorkers } from './workers.js'
export {
  type ParquetWriteOptions,
  type ParquetWriteResult,
  WRITE_CODECS,
  type WriteCodec,
  writeParquet,
} from './write.js'
