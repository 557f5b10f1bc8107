import {
  type ByteSource,
  isFileList,
  type Row,
  resolveRemoteOptions,
  type StreamingDataset,
  TextFileListLoader,
} from '@sd/core'
import { type CsvStats, CsvStreamingLoader } from './loader.js'
import type { CsvOptions } from './options.js'
import { layoutTypes } from './units.js'

/** The files of a folder that {@link loadCsv} reads. */
export const CSV_SUFFIXES: readonly string[] = ['.csv', '.csv.gz', '.tsv', '.tsv.gz']

/** A {@link StreamingDataset} over a CSV source; its `getStats()` adds the CSV counters. */
export type CsvDataset = StreamingDataset<Row, CsvStats>

/**
 * Streams a CSV source (plain or gzip) as typed columnar batches. `source`: a file path, an
 * `http(s)` or `s3://` URL, a core `RangeReader`, or a byte stream (`AsyncIterable<Uint8Array>`
 * or a web `ReadableStream`, which can be read once); or several files as one dataset: an array
 * of sources, a folder (every `*.csv`, `*.tsv` and their `.gz`, in path order), an
 * `s3://bucket/prefix/` or a registered scheme folder (`hf://datasets/org/name/data/`). The first
 * file decides the columns and their types; a later file with other columns is a
 * `SCHEMA_MISMATCH` error naming it.
 *
 * @example
 * ```ts
 * const ds = loadCsv('points.csv', { batchSize: 1000 })
 * for await (const batch of ds) console.log(batch.numRows, batch.column('id'))
 * console.log(ds.getStats().throughput?.recordsPerSecond)
 * const all = loadCsv('logs/') // logs/2024-01.csv, logs/2024-02.csv.gz, ...
 * ```
 */
export function loadCsv(source: ByteSource | readonly ByteSource[], options: CsvOptions = {}): CsvDataset {
  if (!isFileList(source)) return new CsvStreamingLoader(source, options).toDataset()
  return new TextFileListLoader(
    source,
    {
      suffixes: CSV_SUFFIXES,
      what: '*.csv',
      remote: resolveRemoteOptions(options),
      open: (file, first) =>
        new CsvStreamingLoader(
          file,
          first === undefined ? options : { ...options, columnTypes: layoutTypes(first) },
        ),
    },
    options,
  ).toDataset()
}
