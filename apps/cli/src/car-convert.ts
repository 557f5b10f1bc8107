import { mkdtemp, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { FileFormat, Profile } from '@sd/car'
import type { WriteCodec } from '@sd/parquet'
import type { CarInput } from './car-input.js'
import { type ConvertResult, rewrite } from './commands/convert.js'
import type { Format, Location } from './formats.js'
import { IoCounter } from './io-counter.js'
import { withProgress } from './progress.js'
import { type Input, openInput, type ReadOptions } from './source.js'

/** CAR-specific choices of `sd convert`. */
export interface CarConvertOptions {
  layout: 'file' | 'batches'
  profile: string | undefined
  codec: WriteCodec | undefined
  rowGroupSize: number | undefined
  delimiter: string | undefined
  quiet: boolean
}

type TableFormat = 'parquet' | 'csv' | 'ndjson' | 'json'
const TABLE_FORMATS: readonly Format[] = ['parquet', 'csv', 'ndjson', 'json']
const EXTENSION: Record<TableFormat, string> = {
  parquet: 'parquet',
  csv: 'csv',
  ndjson: 'ndjson',
  json: 'json',
}

/**
 * The conversions with a CAR on one side:
 * - into the file layout: a local Parquet, CSV, NDJSON or JSON file is packed as it is (its exact
 *   bytes); anything else, or a file whose columns, rows or codec change, is first written as a file
 *   (in the input's format, else Parquet) next to the CAR, packed, and removed;
 * - into the batch layout: the rows, batch by batch (`writeCar`);
 * - out of a CAR: a packed file into its own format, unchanged, comes out byte for byte
 *   (`exportFile`, every block checked); everything else is read batch by batch and written.
 */
export async function convertCar(
  from: Location,
  to: Location,
  read: ReadOptions,
  options: CarConvertOptions,
): Promise<Omit<ConvertResult, 'seconds'>> {
  const label = `${from.raw} → ${to.raw}`
  const changes = read.columns !== undefined || read.filter !== undefined
  const rewrites = changes || options.codec !== undefined || options.rowGroupSize !== undefined
  const base = { input: from.raw, output: to.raw, from: from.format, to: to.format }
  if (to.format !== 'car') {
    const input = await openInput(from, read)
    try {
      const manifest = (input as Partial<CarInput>).manifest
      const car = (input as Partial<CarInput>).car
      if (car && manifest?.layout === 'file' && manifest.format === to.format && !rewrites) {
        const done = await track(label, manifest.byteLength, options.quiet, () => car.exportFile(to.raw))
        return { ...base, method: 'export', rows: manifest.numRows, bytes: done.bytes }
      }
      const written = await rewrite(input, to.raw, to.format as TableFormat, label, options.quiet, options)
      return { ...base, method: 'rewrite', ...written }
    } finally {
      await input.close?.()
    }
  }
  const { packFile, writeCar } = await import('@sd/car')
  if (options.layout === 'batches') {
    const input = await openInput(from, read)
    const progress = {
      totalBytes: input.totalBytes,
      totalRows: input.totalRows,
      quiet: options.quiet,
      poll: input.progress,
    }
    try {
      const written = await withProgress(label, progress, () => writeCar(input.dataset, to.raw))
      return {
        ...base,
        method: 'rewrite',
        layout: 'batches',
        rows: written.numRows,
        bytes: written.carBytes,
        root: written.root.toString(),
      }
    } finally {
      await input.close?.()
    }
  }
  const profile = options.profile as Profile | undefined
  const pack = async (path: string, format: FileFormat) => {
    const size = (await stat(path)).size
    const packed = await track(label, size, options.quiet, () =>
      packFile(path, to.raw, { format, ...(profile ? { profile } : {}) }),
    )
    return {
      ...base,
      method: 'pack' as const,
      layout: 'file' as const,
      rows: packed.manifest.numRows,
      bytes: packed.carBytes,
      root: packed.root.toString(),
    }
  }
  const plainFile = from.kind === 'file' && TABLE_FORMATS.includes(from.format) && !/\.gz$/i.test(from.raw)
  if (plainFile && !rewrites) return pack(from.raw, from.format as TableFormat)
  // write the rows as a file first, named after the CAR, beside it (the same disk), then pack it
  const input = await openInput(from, read)
  const dir = await mkdtemp(join(dirname(to.raw), '.sd-convert-'))
  try {
    const inner = options.codec || options.rowGroupSize ? 'parquet' : innerFormat(from, input)
    const file = join(dir, `${basename(to.raw).replace(/\.car$/i, '')}.${EXTENSION[inner]}`)
    await rewrite(input, file, inner, `${label} (as ${inner})`, options.quiet, options)
    await input.close?.()
    return { ...(await pack(file, inner)), method: 'rewrite' }
  } finally {
    await input.close?.()
    await rm(dir, { recursive: true, force: true })
  }
}

/** The format a file-layout CAR packs when the rows must be rewritten: the input's, else Parquet (also when a codec or row group size is asked for). */
function innerFormat(from: Location, input: Input): TableFormat {
  if (TABLE_FORMATS.includes(from.format)) return from.format as TableFormat
  const manifest = (input as Partial<CarInput>).manifest
  if (manifest?.layout === 'file' && TABLE_FORMATS.includes(manifest.format as Format)) {
    return manifest.format as TableFormat
  }
  return 'parquet'
}

/** Runs a library call that reports no progress, showing the bytes this process reads meanwhile. */
async function track<T>(
  label: string,
  totalBytes: number,
  quiet: boolean,
  task: () => Promise<T>,
): Promise<T> {
  const io = new IoCounter()
  return withProgress(label, { totalBytes, quiet, poll: () => ({ bytes: io.now().read }) }, task)
}
