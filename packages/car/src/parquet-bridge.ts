import { importPeer, ValidationError } from '@sd/core'
import type { CID } from 'multiformats/cid'
import type { ExportResult } from './export-file.js'
import { loadCar } from './load.js'
import { openCar } from './open-car.js'
import { type PackResult, packFile } from './pack.js'
import type { Profile } from './profiles.js'
import { type WriteCarResult, writeCar } from './write-car.js'

type ParquetModule = typeof import('@sd/parquet')

const parquetPeer = (why: string) =>
  importPeer<ParquetModule>('@sd/parquet', why, () => import('@sd/parquet'))

/** Options of {@link streamParquetToCar}. */
export interface ParquetToCarOptions {
  /**
   * `'file'` (default) packs the Parquet file's exact bytes (it comes back byte for byte);
   * `'batches'` decodes it and writes the batch layout (columns as blocks, readable without Parquet).
   */
  layout?: 'file' | 'batches'
  /** Rows per batch read from the Parquet file (`'batches'`). Default 10,000. */
  batchSize?: number
  /** UnixFS profile (`'file'`). Default `'unixfs-v1-2025'`. */
  profile?: Profile
  signal?: AbortSignal
}

/** Options of {@link streamCarToParquet}. */
export interface CarToParquetOptions {
  /** Rows per batch read from a batch-layout CAR. Default 10,000. */
  batchSize?: number
  /** Passed to `writeParquet` when the CAR holds the batch layout (`codec`, `rowGroupSize`...). */
  parquet?: Record<string, unknown>
  signal?: AbortSignal
}

/** What {@link streamParquetToCar} made: the CAR's root, and the rest of its pack or write result. */
export type ParquetToCarResult = ({ layout: 'file' } & PackResult) | ({ layout: 'batches' } & WriteCarResult)

/**
 * A Parquet file into a CAR, streaming in bounded memory: packed as a file (its exact bytes, with
 * its row groups in the manifest) or decoded into the batch layout.
 *
 * @example
 * ```ts
 * const { root } = await streamParquetToCar('train.parquet', 'train.car', { layout: 'file' })
 * ```
 */
export async function streamParquetToCar(
  parquetPath: string,
  carPath: string,
  options: ParquetToCarOptions = {},
): Promise<ParquetToCarResult> {
  const layout = options.layout ?? 'file'
  const signal = options.signal ? { signal: options.signal } : {}
  if (layout === 'file') {
    const packed = await packFile(parquetPath, carPath, {
      format: 'parquet',
      ...signal,
      ...(options.profile ? { profile: options.profile } : {}),
    })
    return { layout, ...packed }
  }
  if (layout !== 'batches') {
    throw new ValidationError(`layout must be 'file' or 'batches', got ${JSON.stringify(layout)}`, {
      code: 'INVALID_OPTION',
    })
  }
  const pq = await parquetPeer('Converting Parquet to a CAR')
  const ds = pq.loadParquet(parquetPath, {
    batchSize: options.batchSize ?? 10_000,
    cacheEnabled: false,
    ...signal,
  })
  return { layout, ...(await writeCar(ds, carPath, signal)) }
}

/**
 * A CAR back into a Parquet file: a packed Parquet file is exported byte for byte (every block
 * checked, its sha2-256 compared with the manifest's); a batch-layout CAR is streamed into
 * `writeParquet`, an equal table.
 *
 * @example
 * ```ts
 * await streamCarToParquet('train.car', 'train.parquet')
 * ```
 */
export async function streamCarToParquet(
  carPath: string,
  parquetPath: string,
  options: CarToParquetOptions = {},
): Promise<{
  root: CID
  layout: 'file' | 'batches'
  path: string
  numRows: number | undefined
  bytes: number
}> {
  const car = await openCar(carPath, options.signal ? { signal: options.signal } : {})
  try {
    const root = car.roots[0] as CID
    const manifest = await car.manifest(options.signal)
    if (manifest.layout === 'file') {
      if (manifest.format !== 'parquet') {
        throw new ValidationError(
          `The CAR holds a ${manifest.format} file, not Parquet: export it with exportFile`,
          {
            code: 'INVALID_OPTION',
            location: { file: carPath },
          },
        )
      }
      const exported: ExportResult = await car.exportFile(parquetPath, undefined, options.signal)
      return { root, layout: 'file', path: parquetPath, numRows: manifest.numRows, bytes: exported.bytes }
    }
    const pq = await parquetPeer('Converting a CAR to Parquet')
    const ds = loadCar(car, {
      batchSize: options.batchSize ?? 10_000,
      cacheEnabled: false,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    const written = await pq.writeParquet(ds, parquetPath, {
      ...options.parquet,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    return {
      root,
      layout: 'batches',
      path: parquetPath,
      numRows: written.numRows,
      bytes: written.fileSizeBytes,
    }
  } finally {
    await car.close()
  }
}
