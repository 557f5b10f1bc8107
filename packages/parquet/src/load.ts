import type { Row, StreamingDataset } from '@sd/core'
import { type ParquetDatasetStats, ParquetStreamingLoader } from './loader.js'
import type { ParquetLoaderOptions, ParquetSource } from './options.js'

/**
 * A {@link StreamingDataset} over Parquet: a file, a directory (every `*.parquet` below it,
 * sorted, Hive-style `key=value` folders as columns), an `http(s)` URL (range requests), or an
 * array of these. Footers are read on the first pass (or `schema()`); batches hold typed columns
 * unless `rowFormat: 'object'`.
 *
 * @example
 * ```ts
 * const ds = loadParquet('data/train.parquet', { batchSize: 1024, columns: ['text', 'label'], filters: { label: 1 } })
 * for await (const batch of ds) console.log(batch.numRows, batch.column('label'))
 * console.log(ds.getStats())
 * ```
 */
export function loadParquet<R extends Row = Row>(
  source: ParquetSource,
  options: ParquetLoaderOptions = {},
): StreamingDataset<R, ParquetDatasetStats> {
  return new ParquetStreamingLoader<R>(source, options).toDataset()
}
