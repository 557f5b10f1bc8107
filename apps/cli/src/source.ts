import { stat } from 'node:fs/promises'
import type { Filter, LoaderOptions, StreamingDataset } from '@sd/core'
import type { CsvOptions } from '@sd/csv'
import type { HuggingFaceOptions } from '@sd/hf'
import type { JsonOptions } from '@sd/json'
import type { ParquetFilter } from '@sd/parquet'
import { UsageError } from './errors.js'
import { batchFilter, checkFilterColumns, filterColumns } from './filter.js'
import type { Location } from './formats.js'
import { checkVectorDimension, isTsv } from './formats.js'
import type { ProgressState } from './progress.js'

/** How to read an input. */
export interface ReadOptions {
  columns?: string[] | undefined
  filter?: Filter | undefined
  batchSize?: number | undefined
  /** Batches read ahead (default the loaders' 2; `sd head` reads none ahead). */
  prefetchBatches?: number | undefined
  /** CSV field delimiter (default `,`, a tab for `.tsv`). */
  delimiter?: string | undefined
  /** CSV and JSON column types, instead of inferring them from the first batch. */
  types?: Record<string, string> | undefined
  /** Components per vector of a raw float32 file. */
  dimension?: number | undefined
  /** Hugging Face split, config and revision. */
  split?: string | undefined
  config?: string | undefined
  revision?: string | undefined
}

/** An input opened as a dataset, with what is known of its size for progress. */
export interface Input {
  dataset: StreamingDataset
  /** Bytes of the source when known (a local file that is not gzip). */
  totalBytes: number | undefined
  /** Rows when known without reading (Parquet footers, a CAR manifest), before any filter. */
  totalRows: number | undefined
  /** Bytes and rows read so far. */
  progress(): ProgressState
  /** Releases what the input holds open beyond a pass (a CAR). */
  close?(): Promise<void>
}

/**
 * Opens `location` as a dataset: Parquet, CSV, NDJSON and JSON files or URLs, a CAR (either
 * layout, file or gateway URL) and `hf:org/name`. Columns are projected and the filter applied
 * by the format's own reader where it has them (Parquet and Hugging Face skip row groups by their
 * statistics), else batch by batch here.
 */
export async function openInput(location: Location, options: ReadOptions): Promise<Input> {
  const base: LoaderOptions = {
    cacheEnabled: false,
    batchSize: options.batchSize ?? 10_000,
    ...(options.prefetchBatches === undefined ? {} : { prefetchBatches: options.prefetchBatches }),
  }
  const { columns, filter } = options
  const totalBytes = await localSize(location)
  if (options.types && ['parquet', 'hf', 'vectors'].includes(location.format)) {
    throw new UsageError(`--types applies to CSV and JSON input; ${location.raw} is ${location.format}`)
  }
  switch (location.format) {
    case 'parquet': {
      const { ParquetStreamingLoader } = await import('@sd/parquet')
      const loader = new ParquetStreamingLoader(location.raw, {
        ...base,
        ...(columns ? { columns } : {}),
        ...(filter ? { filters: filter as ParquetFilter, filterStrict: false } : {}),
      })
      await loader.open()
      const dataset = loader.toDataset()
      return {
        dataset,
        totalBytes,
        totalRows: loader.length,
        progress: () => ({ bytes: dataset.getStats().parquet.bytesRead, rows: rowsOf(dataset) }),
      }
    }
    case 'hf': {
      const { loadHuggingFace } = await import('@sd/hf')
      const name = location.raw.replace(/^hf:/i, '')
      const dataset = loadHuggingFace(name, {
        ...base,
        ...(columns ? { columns } : {}),
        ...(filter ? { filters: filter as NonNullable<HuggingFaceOptions['filters']> } : {}),
        ...(options.split ? { split: options.split } : {}),
        ...(options.config ? { config: options.config } : {}),
        ...(options.revision ? { revision: options.revision } : {}),
      })
      return { dataset, totalBytes: undefined, totalRows: undefined, progress: () => countersOf(dataset) }
    }
    case 'csv': {
      const { loadCsv } = await import('@sd/csv')
      const delimiter = options.delimiter ?? (isTsv(location.raw) ? '\t' : undefined)
      const dataset = loadCsv(location.raw, {
        ...base,
        ...(delimiter ? { delimiter } : {}),
        ...(options.types ? { columnTypes: options.types as NonNullable<CsvOptions['columnTypes']> } : {}),
        ...withFilterColumns(columns, filter),
      })
      return filtered(dataset, options, location.raw, totalBytes)
    }
    case 'ndjson':
    case 'json': {
      const { loadJson } = await import('@sd/json')
      const dataset = loadJson(location.raw, {
        ...base,
        format: location.format === 'ndjson' ? 'ndjson' : 'auto',
        ...(options.types ? { columnTypes: options.types as NonNullable<JsonOptions['columnTypes']> } : {}),
        ...withFilterColumns(columns, filter),
      })
      return filtered(dataset, options, location.raw, totalBytes)
    }
    case 'car': {
      const { openCarInput } = await import('./car-input.js')
      return openCarInput(location, options, base, totalBytes)
    }
    case 'vectors': {
      checkVectorDimension(location.raw, options.dimension)
      const { loadVectors } = await import('@sd/mmap-vectors')
      const dimension = options.dimension === undefined ? {} : { dimension: options.dimension }
      const dataset = loadVectors(location.raw, { ...base, ...dimension }) as unknown as StreamingDataset
      return filtered(dataset, options, location.raw, totalBytes)
    }
  }
}

/** The columns to read: those asked for plus those the filter needs (dropped again after filtering). */
export function withFilterColumns(
  columns: string[] | undefined,
  filter: Filter | undefined,
): { columns?: string[] } {
  if (!columns) return {}
  const extra = filter ? filterColumns(filter).filter((c) => !columns.includes(c)) : []
  return { columns: [...columns, ...extra] }
}

/** Applies the filter batch by batch and drops the columns only the filter needed. */
export function filtered(
  dataset: StreamingDataset,
  options: ReadOptions,
  source: string,
  totalBytes: number | undefined,
  totalRows?: number,
): Input {
  let out = dataset
  const { filter, columns } = options
  if (filter) {
    const predicate = batchFilter(filter)
    let checked = false
    out = out.filter((batch) => {
      if (!checked) {
        checkFilterColumns(filter, batch.schema, source)
        checked = true
      }
      return predicate(batch)
    })
    if (columns) out = out.select(columns)
  }
  return { dataset: out, totalBytes, totalRows, progress: () => countersOf(dataset) }
}

function countersOf(dataset: StreamingDataset): ProgressState {
  const t = dataset.getStats().throughput
  return { bytes: t?.totalBytes ?? 0, rows: t?.totalRecords ?? 0 }
}

function rowsOf(dataset: StreamingDataset): number {
  return dataset.getStats().throughput?.totalRecords ?? 0
}

async function localSize(location: Location): Promise<number | undefined> {
  if (location.kind !== 'file' || /\.gz$/i.test(location.raw)) return undefined
  try {
    return (await stat(location.raw)).size
  } catch {
    return undefined // the reader reports a missing file with its own error
  }
}
