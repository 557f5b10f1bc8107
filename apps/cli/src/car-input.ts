import type { CarReader, Manifest } from '@sd/car'
import type { LoaderOptions } from '@sd/core'
import type { Location } from './formats.js'
import { filtered, type Input, type ReadOptions, withFilterColumns } from './source.js'

/**
 * Opens a CAR (path, URL or gateway URL) as a dataset, whichever layout. A packed Parquet file
 * takes the filter and columns into its own reader (row groups skipped by their statistics); other
 * contents are filtered batch by batch. The CAR stays open until `close()`.
 */
export async function openCarInput(
  location: Location,
  options: ReadOptions,
  base: LoaderOptions,
  totalBytes: number | undefined,
): Promise<CarInput> {
  const { CarStreamingLoader, openCar } = await import('@sd/car')
  const car = await openCar(location.raw)
  let closing: Promise<void> | undefined
  try {
    const manifest = await car.manifest()
    const { columns, filter } = options
    const packedParquet = manifest.layout === 'file' && manifest.format === 'parquet'
    const delimiter =
      options.delimiter ?? (manifest.layout === 'file' && /\.tsv$/i.test(manifest.name) ? '\t' : undefined)
    const loader = new CarStreamingLoader(car, {
      ...base,
      ...(packedParquet ? (columns ? { columns } : {}) : withFilterColumns(columns, filter)),
      ...(packedParquet && filter ? { parquet: { filters: filter, filterStrict: false } } : {}),
      ...(delimiter || options.types
        ? {
            csv: {
              ...(delimiter ? { delimiter } : {}),
              ...(options.types ? { columnTypes: options.types } : {}),
            },
          }
        : {}),
      ...(options.types ? { json: { columnTypes: options.types } } : {}),
    })
    const dataset = loader.toDataset()
    const input = packedParquet
      ? {
          dataset,
          totalBytes,
          totalRows: manifest.numRows,
          progress: () => ({ bytes: 0, rows: 0 }),
        }
      : filtered(dataset, options, location.raw, totalBytes, manifest.numRows)
    return {
      ...input,
      progress: () => ({
        bytes: dataset.getStats().car.bytesRead,
        rows: dataset.getStats().throughput?.totalRecords ?? 0,
      }),
      manifest,
      car,
      close: () => {
        closing ??= car.close()
        return closing
      },
    }
  } catch (err) {
    await car.close()
    throw err
  }
}

/** An opened CAR input also carries its reader and manifest. */
export interface CarInput extends Input {
  manifest: Manifest
  car: CarReader
}
