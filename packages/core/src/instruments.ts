import { type CacheStats, StreamingCache } from './cache.js'
import type { LoaderOptions, ResolvedLoaderOptions } from './options.js'
import { StreamingStats, type Throughput } from './stats.js'

/** What `getStats()` of a loader or dataset reports. */
export interface DatasetStats {
  /** Absent with `collectStats: false`. */
  throughput?: Throughput
  /** Absent with `cacheEnabled: false`. */
  cache?: CacheStats
}

/** The stats and cache a source's options ask for (either may be absent). */
export interface Instruments {
  stats: StreamingStats | undefined
  cache: StreamingCache | undefined
}

/** Makes the stats and the cache (or takes the shared `options.cache`) for resolved options. */
export function createInstruments(resolved: ResolvedLoaderOptions, options: LoaderOptions): Instruments {
  return {
    stats: resolved.collectStats ? new StreamingStats() : undefined,
    cache: resolved.cacheEnabled
      ? (options.cache ??
        new StreamingCache({ maxSizeMb: resolved.cacheSizeMb, ttlSeconds: resolved.cacheTtlSeconds }))
      : undefined,
  }
}

/** `{ throughput, cache }`, leaving out what is absent. */
export function reportStats({ stats, cache }: Instruments): DatasetStats {
  const out: DatasetStats = {}
  if (stats) out.throughput = stats.getThroughput()
  if (cache) out.cache = cache.getStats()
  return out
}

/**
 * Counters of records and values a loader dropped or nulled under its bad-data policies
 * (`onBadRecord: 'skip'`, `onBadValue: 'null' | 'skip'`), summed over every pass that read the
 * source (as `throughput.totalRecords` is).
 */
export interface RecordCounters {
  /** Records dropped (bad records under `onBadRecord: 'skip'`, bad values under `onBadValue: 'skip'`). */
  skippedRecords: number
  /** Values stored as null under `onBadValue: 'null'`. */
  nulledValues: number
}

/** What `getStats()` of a text loader (CSV, NDJSON) reports: the shared stats plus its counters. */
export interface RecordStats extends DatasetStats, RecordCounters {}
