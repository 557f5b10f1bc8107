import {
  type ByteSource,
  type Field,
  isFileList,
  type Row,
  resolveRemoteOptions,
  type StreamingDataset,
  TextFileListLoader,
} from '@sd/core'
import { type JsonStats, JsonStreamingLoader } from './loader.js'
import type { JsonColumnType, JsonOptions } from './options.js'

/** The files of a folder that {@link loadJson} reads. */
export const JSON_SUFFIXES: readonly string[] = [
  '.ndjson',
  '.jsonl',
  '.json',
  '.ndjson.gz',
  '.jsonl.gz',
  '.json.gz',
]

const FIELD_TYPES: ReadonlySet<string> = new Set(['int32', 'int64', 'float64', 'bool', 'string'])

/** A {@link StreamingDataset} over JSON records; its `getStats()` adds the record counters. */
export type JsonDataset = StreamingDataset<Row, JsonStats>

/**
 * A dataset over the records of an NDJSON source (one JSON object per line) or of an array in a
 * JSON document (top-level, or at `path`), in columnar batches. `source`: a file path, an
 * `http(s)` or `s3://` URL, a core `RangeReader`, or a byte stream (read once); or several files
 * as one dataset: an array of sources, a folder (every `*.ndjson`, `*.jsonl`, `*.json` and their
 * `.gz`, in path order), an `s3://bucket/prefix/` or a registered scheme folder. The first file
 * decides the columns and their types, which every later file is read with (a key it lacks is
 * null). Gzip is gunzipped as it streams. See {@link JsonOptions}.
 *
 * @example
 * ```ts
 * const ds = loadJson('events.ndjson', { batchSize: 1000 })
 * for await (const batch of ds) console.log(batch.numRows, batch.schema)
 *
 * const items = await loadJson('response.json', { path: 'result.items', columns: ['id'] }).toArray()
 * ```
 */
export function loadJson(source: ByteSource | readonly ByteSource[], options: JsonOptions = {}): JsonDataset {
  if (!isFileList(source)) return new JsonStreamingLoader(source, options).toDataset()
  return new TextFileListLoader(
    source,
    {
      suffixes: JSON_SUFFIXES,
      what: '*.ndjson, *.jsonl or *.json',
      remote: resolveRemoteOptions(options),
      open: (file, first) =>
        new JsonStreamingLoader(file, first?.length ? fixedColumns(options, first) : options),
    },
    options,
  ).toDataset()
}

/** `options` with the columns and types of the first file. */
function fixedColumns(options: JsonOptions, first: readonly Field[]): JsonOptions {
  const columnTypes = Object.create(null) as Record<string, JsonColumnType>
  for (const field of first)
    columnTypes[field.name] = FIELD_TYPES.has(field.type) ? (field.type as JsonColumnType) : 'json'
  return { ...options, columns: first.map((f) => f.name), columnTypes }
}
