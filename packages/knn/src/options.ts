import { availableParallelism } from 'node:os'
import type { Filter } from '@sd/core'
import { ValidationError } from '@sd/core'
import { METRICS, type Metric } from './metric.js'

/** Options of `new KnnIndex(...)`. */
export interface KnnIndexOptions {
  /** Components per vector. */
  dimension: number
  /** Similarity: `'cosine'` (default), `'euclidean'` (`1 / (1 + L2 distance)`) or `'dot'`. */
  metric?: Metric
  /**
   * Search threads for `searchBatch`: `'auto'` (default) = the machine's available parallelism, a
   * number, or `0` to search on the calling thread.
   */
  workers?: 'auto' | number
}

/** Options of `search`. */
export interface SearchOptions {
  /** Only rows whose metadata match this filter (the sd filter language) are returned. */
  filter?: Filter
  /** Cancels the search (and stops the workers running it). */
  signal?: AbortSignal
}

/** Options of `searchBatch`. */
export interface SearchBatchOptions extends SearchOptions {}

function invalidOption(message: string): ValidationError {
  return new ValidationError(message, { code: 'INVALID_OPTION' })
}

/** Checks a dimension: a positive integer. */
export function checkDimension(dimension: unknown): number {
  if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension < 1)
    throw invalidOption(`Expected dimension to be a positive integer, got ${String(dimension)}`)
  return dimension
}

/** Checks a metric name (default cosine). */
export function checkMetric(metric: unknown): Metric {
  if (metric === undefined) return 'cosine'
  if (!METRICS.includes(metric as Metric))
    throw invalidOption(`Expected metric to be one of ${METRICS.join(', ')}, got ${String(metric)}`)
  return metric as Metric
}

/** The number of worker threads for a `workers` option. */
export function resolveWorkers(workers: unknown): number {
  if (workers === undefined || workers === 'auto') return availableParallelism()
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 0)
    throw invalidOption(`Expected workers to be 'auto' or a non-negative integer, got ${String(workers)}`)
  return workers
}
