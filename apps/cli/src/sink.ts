import type { StreamingDataset } from '@sd/core'
import type { WriteCodec } from '@sd/parquet'
import type { Format } from './formats.js'

/** How to write an output. */
export interface WriteOptions {
  codec?: WriteCodec | undefined
  rowGroupSize?: number | undefined
  delimiter?: string | undefined
  signal?: AbortSignal | undefined
}

/** What a writer wrote. */
export interface Written {
  numRows: number
  fileSizeBytes: number
}

/**
 * Writes a dataset as Parquet, CSV, NDJSON or a JSON array document, streaming: each writer
 * holds a batch (Parquet: a row group) at a time and renames its file into place at the end.
 */
export async function writeDataset(
  dataset: StreamingDataset,
  path: string,
  format: Exclude<Format, 'car' | 'hf' | 'vectors'>,
  options: WriteOptions,
): Promise<Written> {
  const signal = options.signal ? { signal: options.signal } : {}
  switch (format) {
    case 'parquet': {
      const { writeParquet } = await import('@sd/parquet')
      return writeParquet(dataset, path, {
        ...signal,
        ...(options.codec ? { codec: options.codec } : {}),
        ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}),
      })
    }
    case 'csv': {
      const { writeCsv } = await import('@sd/csv')
      return writeCsv(dataset, path, {
        ...signal,
        ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      })
    }
    case 'ndjson':
    case 'json': {
      const { writeJson } = await import('@sd/json')
      return writeJson(dataset, path, { ...signal, format: format === 'json' ? 'array' : 'ndjson' })
    }
  }
}
