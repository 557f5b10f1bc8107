import type { Row, StreamingDataset } from '@sd/core'
import { type CsvStats, CsvStreamingLoader } from './loader.js'
import type { CsvOptions } from './options.js'

/** A {@link StreamingDataset} over a CSV file; its `getStats()` adds the CSV counters. */
export type CsvDataset = StreamingDataset<Row, CsvStats>

/**
 * Streams the CSV file at `path` (plain or gzip) as typed columnar batches.
 *
 * @example
 * ```ts
 * const ds = loadCsv('points.csv', { batchSize: 1000 })
 * for await (const batch of ds) console.log(batch.numRows, batch.column('id'))
 * console.log(ds.getStats().throughput?.recordsPerSecond)
 * ```
 */
export function loadCsv(path: string, options: CsvOptions = {}): CsvDataset {
  return new CsvStreamingLoader(path, options).toDataset()
}
