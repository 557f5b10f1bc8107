/**
 * @packageDocumentation
 * Stream CSV files (plain or gzip) as typed columnar `RecordBatch`es: {@link loadCsv} and
 * {@link CsvStreamingLoader}, parsed by csv-parse, with column types decided from the first batch.
 *
 * @example
 * ```ts
 * import { loadCsv } from '@sd/csv'
 *
 * const ds = loadCsv('points.csv', { batchSize: 1000, onBadRecord: 'skip' })
 * console.log(await ds.schema()) // [{ name: 'id', type: 'int32', nullable: false }, ...]
 * for await (const batch of ds) console.log(batch.numRows)
 * console.log(ds.getStats().skippedRecords)
 * ```
 */

export type { CsvColumnType } from './cast.js'
export { type CsvDataset, loadCsv } from './load-csv.js'
export { type CsvStats, CsvStreamingLoader } from './loader.js'
export type { BadRecordPolicy, CastErrorPolicy, CsvOptions } from './options.js'
