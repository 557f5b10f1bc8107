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

export { type JsonDatasetStats, JsonStreamingLoader } from './json-loader.js'
export { loadJson } from './load-json.js'
export {
  type JsonColumnType,
  type JsonFormat,
  type JsonLoadOptions,
  type ResolvedJsonOptions,
  resolveJsonOptions,
} from './options.js'
