import type { ByteSource, Row, StreamingDataset } from '@sd/core'
import { type JsonStats, JsonStreamingLoader } from './loader.js'
import type { JsonOptions } from './options.js'

/** A {@link StreamingDataset} over JSON records; its `getStats()` adds the record counters. */
export type JsonDataset = StreamingDataset<Row, JsonStats>

/**
 * A dataset over the records of an NDJSON source (one JSON object per line) or of an array in a
 * JSON document (top-level, or at `path`), in columnar batches. `source`: a file path, an
 * `http(s)` URL, a core `RangeReader`, or a byte stream (read once). Gzip is gunzipped as it
 * streams. See {@link JsonOptions}.
 *
 * @example
 * ```ts
 * const ds = loadJson('events.ndjson', { batchSize: 1000 })
 * for await (const batch of ds) console.log(batch.numRows, batch.schema)
 *
 * const items = await loadJson('response.json', { path: 'result.items', columns: ['id'] }).toArray()
 * ```
 */
export function loadJson(source: ByteSource, options: JsonOptions = {}): JsonDataset {
  return new JsonStreamingLoader(source, options).toDataset()
}
