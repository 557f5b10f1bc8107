import type { Row, StreamingDataset } from '@sd/core'
import { type JsonDatasetStats, JsonStreamingLoader } from './json-loader.js'
import type { JsonLoadOptions } from './options.js'

/**
 * A dataset over the records of an NDJSON file (one JSON object per line) or of an array in a
 * JSON document (top-level, or at `path`), in columnar batches. `.gz` files are gunzipped as
 * they stream. See {@link JsonLoadOptions}.
 *
 * @example
 * ```ts
 * const ds = loadJson('events.ndjson', { batchSize: 1000 })
 * for await (const batch of ds) console.log(batch.numRows, batch.schema)
 *
 * const items = await loadJson('response.json', { path: 'result.items', columns: ['id'] }).toArray()
 * ```
 */
export function loadJson(
  path: string,
  options: JsonLoadOptions = {},
): StreamingDataset<Row, JsonDatasetStats> {
  return new JsonStreamingLoader(path, options).toDataset()
}
