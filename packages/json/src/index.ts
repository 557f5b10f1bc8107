/**
 * @packageDocumentation
 * Stream NDJSON files and JSON array documents as columnar batches: {@link loadJson} and
 * {@link JsonStreamingLoader}.
 *
 * @example
 * ```ts
 * import { loadJson } from '@sd/json'
 *
 * const ds = loadJson('events.ndjson', { batchSize: 100 })
 * for await (const batch of ds) console.log(batch.numRows, batch.column('id'))
 * ```
 */

export type { JsonErrorCode } from './errors.js'
export { type JsonDataset, loadJson } from './load.js'
export { type JsonStats, JsonStreamingLoader } from './loader.js'
export {
  type JsonColumnType,
  type JsonFormat,
  type JsonOptions,
  type ResolvedJsonOptions,
  resolveJsonOptions,
} from './options.js'
export { type JsonWriteOptions, type JsonWriteResult, jsonRowEncoder, writeJson } from './write.js'
