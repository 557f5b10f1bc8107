import type { StreamingCache } from './cache.js'
import { ValidationError } from './errors.js'
import { assertBatchSize } from './rebatch.js'

/** Options shared by every loader. */
export interface LoaderOptions {
  /** Rows per batch. Default 10,000. */
  batchSize?: number
  /** Batches read ahead of the consumer. Default 2; 0 or 1 means no read-ahead. */
  prefetchBatches?: number
  /** Also bound read-ahead by bytes (as `RecordBatch.byteSize` estimates them). */
  prefetchBytes?: number
  /** Keep byte ranges and decoded batches in a {@link StreamingCache}. Default true. */
  cacheEnabled?: boolean
  /** Cache capacity in MiB. Default 100. */
  cacheSizeMb?: number
  /** Sliding time-to-live of cache entries in seconds. Default 300. */
  cacheTtlSeconds?: number
  /** Use this cache instead of a new one (to share one budget among loaders). */
  cache?: StreamingCache
  /** Count records, bytes and batch times. Default true. */
  collectStats?: boolean
  /** Cancels every pass: reads stop, files close, and iteration rejects with an `AbortError`. */
  signal?: AbortSignal
}

/** {@link LoaderOptions} with defaults applied. */
export interface ResolvedLoaderOptions {
  batchSize: number
  prefetchBatches: number
  prefetchBytes: number | undefined
  cacheEnabled: boolean
  cacheSizeMb: number
  cacheTtlSeconds: number
  collectStats: boolean
  signal: AbortSignal | undefined
}

/** Applies defaults to loader options and validates them (a {@link ValidationError} names the bad one). */
export function resolveLoaderOptions(options: LoaderOptions = {}): ResolvedLoaderOptions {
  const resolved: ResolvedLoaderOptions = {
    batchSize: options.batchSize ?? 10_000,
    prefetchBatches: options.prefetchBatches ?? 2,
    prefetchBytes: options.prefetchBytes,
    cacheEnabled: options.cacheEnabled ?? true,
    cacheSizeMb: options.cacheSizeMb ?? 100,
    cacheTtlSeconds: options.cacheTtlSeconds ?? 300,
    collectStats: options.collectStats ?? true,
    signal: options.signal,
  }
  assertBatchSize(resolved.batchSize)
  if (!Number.isInteger(resolved.prefetchBatches) || resolved.prefetchBatches < 0) {
    throw new ValidationError(
      `prefetchBatches must be a non-negative integer, got ${resolved.prefetchBatches}`,
      {
        code: 'INVALID_OPTION',
      },
    )
  }
  if (!(resolved.cacheSizeMb > 0)) {
    throw new ValidationError(`cacheSizeMb must be a positive number, got ${resolved.cacheSizeMb}`, {
      code: 'INVALID_OPTION',
    })
  }
  return resolved
}
