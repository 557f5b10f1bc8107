/**
 * @packageDocumentation
 * Stream CSV files (plain or gzip, local, remote or any byte source) as typed columnar
 * `RecordBatch`es: {@link loadCsv} and {@link CsvStreamingLoader}, parsed from bytes straight into
 * Arrow-layout columns, with column types decided from the first batch.
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

export type { CsvErrorCode } from './errors.js'
export { type CsvDataset, loadCsv } from './load.js'
export { type CsvStats, CsvStreamingLoader } from './loader.js'
export type { BadRecordPolicy, BadValuePolicy, CsvEngine, CsvOptions } from './options.js'
export type { CsvColumnType } from './values.js'
export { type CsvWriteOptions, type CsvWriteResult, writeCsv } from './write.js'
