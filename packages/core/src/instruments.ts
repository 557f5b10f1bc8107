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
