import { extname } from 'node:path'
import type { StreamingCache } from '@sd/core'
import type { SimulatedConsumer } from './consumer.js'
import type { LoadFn } from './packages.js'
import type { DatasetInfo } from './types.js'

/** What one pass over a file measured. Times in seconds unless named `Ms`. */
export interface PassMeasure {
  seconds: number
  records: number
  timeToFirstBatchMs?: number
  p50BatchMs?: number
  p95BatchMs?: number
  batchTimesFrom: 'getStats' | 'harness'
  /** Cache hits and misses during this pass. */
  cacheHits?: number
  cacheMisses?: number
}

/** How an sd loader pass is set up. */
export interface SdPassOptions {
  batchSize: number
  prefetch: number
  /** The batch cache shared by the passes of a run; absent turns the cache off. */
  cache?: StreamingCache
  maxRows?: number
  consumer?: SimulatedConsumer
}

/** Options a format's loader needs for a file, besides the shared ones. */
function formatOptions(dataset: DatasetInfo): Record<string, unknown> {
  if (dataset.format === 'csv' && dataset.delimiter) return { delimiter: dataset.delimiter }
  if (dataset.format === 'ndjson')
    return { format: extname(dataset.path).toLowerCase() === '.json' ? 'auto' : 'ndjson' }
  return {}
}

/**
 * One pass of an sd loader over `dataset`: a fresh dataset (so its statistics cover this pass
 * alone), every batch handed to the consumer, figures from the loader's `getStats()`.
 */
export async function sdPass(
  load: LoadFn,
  dataset: DatasetInfo,
  options: SdPassOptions,
): Promise<PassMeasure> {
  const before = options.cache?.getStats()
  const t0 = performance.now()
  const ds = await load(dataset.path, {
    ...formatOptions(dataset),
    batchSize: options.batchSize,
    prefetchBatches: options.prefetch,
    cacheEnabled: options.cache !== undefined,
    ...(options.cache ? { cache: options.cache } : {}),
  })
  const source = options.maxRows === undefined ? ds : ds.take(options.maxRows)
  let records = 0
  let firstMs: number | undefined
  for await (const batch of source.iterBatches()) {
    firstMs ??= performance.now() - t0
    records += batch.numRows
    await options.consumer?.consume(batch.numRows)
  }
  const seconds = (performance.now() - t0) / 1000
  const { throughput, cache } = ds.getStats()
  const measure: PassMeasure = { seconds, records, batchTimesFrom: 'getStats' }
  const ttfb = throughput?.timeToFirstBatch
  if (ttfb !== undefined) measure.timeToFirstBatchMs = ttfb * 1000
  else if (firstMs !== undefined) measure.timeToFirstBatchMs = firstMs
  if (throughput?.p50BatchTime !== undefined) measure.p50BatchMs = throughput.p50BatchTime * 1000
  if (throughput?.p95BatchTime !== undefined) measure.p95BatchMs = throughput.p95BatchTime * 1000
  if (before && cache) {
    measure.cacheHits = cache.hits - before.hits
    measure.cacheMisses = cache.misses - before.misses
  }
  return measure
}
