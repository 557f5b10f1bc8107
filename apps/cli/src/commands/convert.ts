import { resolve } from 'node:path'
import type { Filter } from '@sd/core'
import type { WriteCodec } from '@sd/parquet'
import { UsageError } from '../errors.js'
import { type Format, type Location, locate } from '../formats.js'
import { jsonText, print } from '../output.js'
import { withProgress } from '../progress.js'
import { writeDataset } from '../sink.js'
import { type Input, openInput, type ReadOptions } from '../source.js'
import { formatBytes, formatCount, formatSeconds } from '../units.js'

/** Options of `sd convert`. */
export interface ConvertOptions {
  from?: string
  to?: string
  columns?: string[]
  filter?: Filter
  batchSize?: number
  codec?: string
  rowGroupSize?: number
  profile?: string
  layout?: string
  delimiter?: string
  split?: string
  config?: string
  revision?: string
  dimension?: number
  types?: Record<string, string>
  json?: boolean
  quiet?: boolean
}

/** What `sd convert` did. */
export interface ConvertResult {
  input: string
  output: string
  from: Format
  to: Format
  /** How: `rewrite` (read and written batch by batch), `pack` (a file's bytes into a CAR), `export` (a packed file out of a CAR). */
  method: 'rewrite' | 'pack' | 'export'
  layout?: 'file' | 'batches'
  rows: number | undefined
  bytes: number
  seconds: number
  root?: string
}

type OutFormat = Exclude<Format, 'car' | 'hf' | 'vectors'>
const TABLE_FORMATS: readonly Format[] = ['parquet', 'csv', 'ndjson', 'json']

/**
 * `sd convert <in> <out>`: between Parquet, CSV, NDJSON, JSON and CAR (both layouts), streaming in
 * bounded memory. A CAR's file layout keeps a file's exact bytes; a packed file comes back out of
 * a CAR byte for byte when no columns or filter change it.
 */
export async function convert(
  input: string,
  output: string,
  options: ConvertOptions,
): Promise<ConvertResult> {
  const started = performance.now()
  const from = locate(input, options.from, '--from')
  const to = locate(output, options.to, '--to')
  checkOptions(from, to, options)
  const read: ReadOptions = {
    columns: options.columns,
    filter: options.filter,
    dimension: options.dimension,
    types: options.types,
    batchSize: options.batchSize,
    delimiter: options.delimiter,
    split: options.split,
    config: options.config,
    revision: options.revision,
  }
  const quiet = options.quiet === true || options.json === true
  let result: Omit<ConvertResult, 'seconds'>
  if (to.format === 'car' || from.format === 'car') {
    const { convertCar } = await import('../car-convert.js')
    result = await convertCar(from, to, read, {
      layout: (options.layout ?? 'file') as 'file' | 'batches',
      profile: options.profile,
      codec: options.codec as WriteCodec | undefined,
      rowGroupSize: options.rowGroupSize,
      delimiter: options.delimiter,
      quiet,
    })
  } else {
    const opened = await openInput(from, read)
    let written: { rows: number; bytes: number }
    try {
      written = await rewrite(opened, to.raw, to.format as OutFormat, `${input} → ${output}`, quiet, {
        codec: options.codec as WriteCodec | undefined,
        rowGroupSize: options.rowGroupSize,
        delimiter: options.delimiter,
      })
    } finally {
      await opened.close?.()
    }
    result = { input, output, from: from.format, to: to.format, method: 'rewrite', ...written }
  }
  const full: ConvertResult = { ...result, seconds: (performance.now() - started) / 1000 }
  if (options.json) print(jsonText(full))
  else if (!options.quiet) {
    const rows = full.rows === undefined ? '' : `${formatCount(full.rows)} rows, `
    const root = full.root ? `, root ${full.root}` : ''
    print(
      `${output}: ${rows}${formatBytes(full.bytes)} in ${formatSeconds(full.seconds)} (${full.method}${root})`,
    )
  }
  return full
}

/** Reads `opened` batch by batch into a Parquet, CSV, NDJSON or JSON file, with progress. */
export async function rewrite(
  opened: Input,
  path: string,
  format: OutFormat,
  label: string,
  quiet: boolean,
  write: {
    codec?: WriteCodec | undefined
    rowGroupSize?: number | undefined
    delimiter?: string | undefined
  },
): Promise<{ rows: number; bytes: number }> {
  const progress = {
    totalBytes: opened.totalBytes,
    totalRows: opened.totalRows,
    quiet,
    poll: opened.progress,
  }
  const written = await withProgress(label, progress, () => writeDataset(opened.dataset, path, format, write))
  return { rows: written.numRows, bytes: written.fileSizeBytes }
}

function checkOptions(from: Location, to: Location, options: ConvertOptions): void {
  if (to.kind !== 'file') throw new UsageError(`The output must be a local path, got ${to.raw}`)
  if (to.format === 'hf' || to.format === 'vectors') {
    throw new UsageError(
      `Cannot write ${to.format} with sd convert: the output is one of parquet, csv, ndjson, json, car`,
    )
  }
  if (from.kind === 'file' && resolve(from.raw) === resolve(to.raw)) {
    throw new UsageError(`The input and the output are the same file: ${to.raw}`)
  }
  const parquetOut = to.format === 'parquet' || (to.format === 'car' && options.layout !== 'batches')
  if ((options.codec !== undefined || options.rowGroupSize !== undefined) && !parquetOut) {
    throw new UsageError(
      '--codec and --row-group-size apply to Parquet output (or Parquet packed into a CAR)',
    )
  }
  if (options.layout !== undefined && to.format !== 'car')
    throw new UsageError('--layout applies to CAR output')
  if (options.layout !== undefined && options.layout !== 'file' && options.layout !== 'batches') {
    throw new UsageError(`--layout must be file or batches, got "${options.layout}"`)
  }
  if (options.profile !== undefined && (to.format !== 'car' || options.layout === 'batches')) {
    throw new UsageError('--profile applies to CAR output in the file layout')
  }
  if (!TABLE_FORMATS.includes(to.format) && to.format !== 'car') {
    throw new UsageError(`Cannot write ${to.format}`)
  }
}
