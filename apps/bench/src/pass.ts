import { extname } from 'node:path'
import type { StreamingDataset } from '@sd/core'
import type { SimulatedConsumer } from './consumer.js'
import type { LoadFn } from './packages.js'
import { quantile } from './stats.js'
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

/** How an sd dataset is opened. */
export interface OpenOptions {
  batchSize: number
  prefetch: number
  /** Batch cache capacity in MiB; absent turns the cache off. */
  cacheSizeMb?: number
}

/** Options a format's loader needs for a file, besides the shared ones. */
function formatOptions(dataset: DatasetInfo): Record<string, unknown> {
  if (dataset.format === 'csv' && dataset.delimiter) return { delimiter: dataset.delimiter }
  if (dataset.format === 'ndjson') {
    return { format: extname(dataset.path).toLowerCase() === '.json' ? 'auto' : 'ndjson' }
  }
  return {}
}

/** Opens `dataset` with its format's sd loader. */
export async function openSd(
  load: LoadFn,
  dataset: DatasetInfo,
  options: OpenOptions,
): Promise<StreamingDataset> {
  return load(dataset.path, {
    ...formatOptions(dataset),
    batchSize: options.batchSize,
    prefetchBatches: options.prefetch,
    cacheEnabled: options.cacheSizeMb !== undefined,
    ...(options.cacheSizeMb === undefined ? {} : { cacheSizeMb: options.cacheSizeMb }),
  })
}

/** What the harness saw of one pass over an open dataset. */
export interface Walk {
  seconds: number
  records: number
  /** Milliseconds from asking for the pass to holding its first batch. */
  firstMs?: number
  /** Milliseconds the consumer waited for each batch. */
  waitMs: number[]
}

/** Reads one pass of `ds` (the first `maxRows` records), handing every batch to the consumer. */
export async function walk(
  ds: StreamingDataset,
  maxRows?: number,
  consumer?: SimulatedConsumer,
): Promise<Walk> {
  const source = maxRows === undefined ? ds : ds.take(maxRows)
  const waitMs: number[] = []
  let records = 0
  let firstMs: number | undefined
  const t0 = performance.now()
  let asked = t0
  for await (const batch of source.iterBatches()) {
    const now = performance.now()
    firstMs ??= now - t0
    waitMs.push(now - asked)
    records += batch.numRows
    await consumer?.consume(batch.numRows)
    asked = performance.now()
  }
  const out: Walk = { seconds: (performance.now() - t0) / 1000, records, waitMs }
  if (firstMs !== undefined) out.firstMs = firstMs
  return out
}

/**
 * One pass over a freshly opened dataset, so the loader's `getStats()` covers this pass alone:
 * time to first batch and p50/p95 batch times (read + decode) come from there.
 */
export async function sdPass(
  load: LoadFn,
  dataset: DatasetInfo,
  options: OpenOptions & { maxRows?: number; consumer?: SimulatedConsumer },
): Promise<PassMeasure> {
  const t0 = performance.now()
  const ds = await openSd(load, dataset, options)
  const opened = (performance.now() - t0) / 1000
  const w = await walk(ds, options.maxRows, options.consumer)
  return fromStats(ds, w, opened)
}

/** A pass's figures from the loader's statistics (they must cover that pass alone). */
export function fromStats(ds: StreamingDataset, w: Walk, openSeconds = 0): PassMeasure {
  const throughput = ds.getStats().throughput
  const measure: PassMeasure = {
    seconds: w.seconds + openSeconds,
    records: w.records,
    batchTimesFrom: 'getStats',
  }
  const ttfb = throughput?.timeToFirstBatch
  if (ttfb !== undefined) measure.timeToFirstBatchMs = (ttfb + openSeconds) * 1000
  else if (w.firstMs !== undefined) measure.timeToFirstBatchMs = w.firstMs + openSeconds * 1000
  if (throughput?.p50BatchTime !== undefined) measure.p50BatchMs = throughput.p50BatchTime * 1000
  if (throughput?.p95BatchTime !== undefined) measure.p95BatchMs = throughput.p95BatchTime * 1000
  return measure
}

/**
 * A repeated pass's figures from the harness's own timing: the loader's statistics add up every
 * pass of a dataset, so they cannot isolate this one. With no read-ahead the wait for a batch is
 * the time to produce it (read and decode, or replay from the cache).
 */
export function fromWalk(w: Walk): PassMeasure {
  const measure: PassMeasure = {
    seconds: w.seconds,
    records: w.records,
    batchTimesFrom: 'harness',
    p50BatchMs: quantile(w.waitMs, 0.5),
    p95BatchMs: quantile(w.waitMs, 0.95),
  }
  if (w.firstMs !== undefined) measure.timeToFirstBatchMs = w.firstMs
  return measure
}
