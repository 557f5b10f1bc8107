import type { ByteSource, Row, StreamingDataset } from '@sd/core'
import { type CsvStats, CsvStreamingLoader } from './loader.js'
import type { CsvOptions } from './options.js'

/** A {@link StreamingDataset} over a CSV source; its `getStats()` adds the CSV counters. */
export type CsvDataset = StreamingDataset<Row, CsvStats>

/**
 * Streams a CSV source (plain or gzip) as typed columnar batches. `source`: a file path, an
 * `http(s)` URL, a core `RangeReader`, or a byte stream (`AsyncIterable<Uint8Array>` or a web
 * `ReadableStream`, which can be read once).
 *
 * @example
 * ```ts
 * const ds = loadCsv('points.csv', { batchSize: 1000 })
 * for await (const batch of ds) console.log(batch.numRows, batch.column('id'))
 * console.log(ds.getStats().throughput?.recordsPerSecond)
 * ```
 */
export function loadCsv(source: ByteSource, options: CsvOptions = {}): CsvDataset {
  return new CsvStreamingLoader(source, options).toDataset()
}
