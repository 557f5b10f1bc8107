import type { Row, StreamingDataset } from '@sd/core'
import type { CarReader } from './car-reader.js'
import { type CarDatasetStats, CarStreamingLoader } from './loader.js'
import type { CarLoadOptions } from './options.js'

/**
 * A {@link StreamingDataset} over the dataset in a CAR: a file packed by {@link packFile} (its
 * Parquet, CSV or NDJSON read by @sd/parquet, @sd/csv or @sd/json, optional peers, fetching only
 * the blocks the reads need) or a dataset written by {@link writeCar}. The source is a CAR path, a
 * CAR URL, a trustless gateway URL `http(s)://host/ipfs/<manifest-cid>`, or an open `CarReader`.
 *
 * @example
 * ```ts
 * const ds = loadCar('events.car', { batchSize: 10_000, columns: ['id', 'value'] })
 * for await (const batch of ds) console.log(batch.numRows)
 * console.log(ds.getStats().car.blocksRead)
 * ```
 */
export function loadCar<R extends Row = Row>(
  source: string | CarReader,
  options: CarLoadOptions = {},
): StreamingDataset<R, CarDatasetStats> {
  return new CarStreamingLoader<R>(source, options).toDataset()
}
