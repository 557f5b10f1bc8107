import { LRUCache } from 'lru-cache'
import { ValidationError } from './errors.js'
import { sizeOf } from './size-of.js'

/** Options of {@link StreamingCache}. */
export interface StreamingCacheOptions {
  /** Capacity in MiB (1 MB here is 1,048,576 bytes). Default 100. */
  maxSizeMb?: number
  /** Seconds an entry lives after it was last written or read (sliding expiry). Default 300. */
  ttlSeconds?: number
  /** Clock in milliseconds (default `performance.now`); tests may pass their own. */
  now?: () => number
}

/** What {@link StreamingCache.getStats} reports. */
export interface CacheStats {
  sizeBytes: number
  maxSizeBytes: number
  /** `sizeBytes / maxSizeBytes`, 0..1. */
  utilization: number
  itemCount: number
  hits: number
  misses: number
  /** `hits / (hits + misses)`, 0 before any read. */
  hitRatio: number
  /** Entries removed to make room (expiry and explicit deletes are not evictions). */
  evictions: number
}

interface Entry<V> {
  value: V
}

/**
 * A least-recently-used cache bounded by bytes, with a sliding time-to-live, and hit, miss and
 * eviction counters. Loaders keep byte ranges and decoded batches in it.
 *
 * @example
 * ```ts
 * const cache = new StreamingCache<Uint8Array>({ maxSizeMb: 64, ttlSeconds: 60 })
 * cache.put('file.parquet:0-4096', bytes)
 * cache.get('file.parquet:0-4096') // bytes, and a hit
 * cache.getStats().hitRatio        // 1
 * ```
 */
export class StreamingCache<V = unknown> {
  readonly #lru: LRUCache<string, Entry<V>>
  readonly #maxSizeBytes: number
  readonly #pending = new Map<string, Promise<V>>()
  #hits = 0
  #misses = 0
  #evictions = 0

  constructor(options: StreamingCacheOptions = {}) {
    const maxSizeMb = options.maxSizeMb ?? 100
    const ttlSeconds = options.ttlSeconds ?? 300
    if (!(maxSizeMb > 0)) {
      throw new ValidationError(`maxSizeMb must be a positive number, got ${maxSizeMb}`, {
        code: 'INVALID_OPTION',
      })
    }
    if (!(ttlSeconds > 0)) {
      throw new ValidationError(`ttlSeconds must be a positive number, got ${ttlSeconds}`, {
        code: 'INVALID_OPTION',
      })
    }
    this.#maxSizeBytes = Math.floor(maxSizeMb * 1024 * 1024)
    const clock = options.now
    this.#lru = new LRUCache<string, Entry<V>>({
      maxSize: this.#maxSizeBytes,
      ttl: ttlSeconds * 1000,
      ttlAutopurge: false,
      updateAgeOnGet: true,
      allowStale: false,
      ...(clock ? { perf: { now: clock }, ttlResolution: 0 } : {}),
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.#evictions++
      },
    })
  }

  /** Capacity in bytes. */
  get maxSizeBytes(): number {
    return this.#maxSizeBytes
  }

  /** The value under `key`, counting a hit, or `undefined`, counting a miss. A hit refreshes the TTL. */
  get(key: string): V | undefined {
    const entry = this.#lru.get(key)
    if (entry === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    return entry.value
  }

  /**
   * Stores `value` under `key`, charging `sizeBytes` (by default its size as {@link sizeOf} measures
   * it), evicting least recently used entries to make room. Returns `false`, and changes nothing,
   * when the value alone is larger than the cache.
   */
  put(key: string, value: V, sizeBytes?: number): boolean {
    const size = Math.max(1, Math.ceil(sizeBytes ?? sizeOf(value)))
    if (size > this.#maxSizeBytes) return false
    this.#lru.set(key, { value }, { size })
    return true
  }

  /** The value under `key` without counting a hit or miss and without refreshing its TTL. */
  peek(key: string): V | undefined {
    return this.#lru.peek(key)?.value
  }

  /** True when `key` is cached and not expired. Counts neither hit nor miss, and does not refresh. */
  has(key: string): boolean {
    return this.#lru.has(key)
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean {
    return this.#lru.delete(key)
  }

  /** Removes every entry; the hit, miss and eviction counters stay. */
  clear(): void {
    this.#lru.clear()
  }

  /**
   * The cached value under `key`, or the result of `load()`, stored with `sizeOf(value)` bytes.
   * Concurrent calls for one key share one `load()`.
   */
  async getOrLoad(key: string, load: () => Promise<V>, sizeOfValue?: (value: V) => number): Promise<V> {
    const cached = this.get(key)
    if (cached !== undefined) return cached
    const pending = this.#pending.get(key)
    if (pending) return pending
    const promise = load().then(
      (value) => {
        this.#pending.delete(key)
        this.put(key, value, sizeOfValue?.(value))
        return value
      },
      (err: unknown) => {
        this.#pending.delete(key)
        throw err
      },
    )
    this.#pending.set(key, promise)
    return promise
  }

  /** Sizes, counters and ratios. */
  getStats(): CacheStats {
    const sizeBytes = this.#lru.calculatedSize
    const reads = this.#hits + this.#misses
    return {
      sizeBytes,
      maxSizeBytes: this.#maxSizeBytes,
      utilization: sizeBytes / this.#maxSizeBytes,
      itemCount: this.#lru.size,
      hits: this.#hits,
      misses: this.#misses,
      hitRatio: reads === 0 ? 0 : this.#hits / reads,
      evictions: this.#evictions,
    }
  }
}
