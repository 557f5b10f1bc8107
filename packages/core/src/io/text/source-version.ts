import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { StreamingCache } from '../../cache.js'
import { isRemoteSource } from '../open-range.js'
import { type ByteSource, isRangeReader } from './byte-source.js'

/** What names one version of a source's bytes: a key for caches and its size in bytes. */
export interface SourceVersion {
  /** Resolved path with size and modification time, or reader name with its version tag. */
  key: string
  /** Size of the source in bytes (compressed size for a gzip file). */
  byteLength: number
}

/**
 * The version of `source`: a local file's resolved path, size and modification time; a
 * {@link RangeReader}'s name and version tag. `undefined` for a byte stream (it can be read only
 * once), a URL (its version is known only once opened) and a file that cannot be
 * statted (the read reports why).
 */
export function sourceVersion(source: ByteSource): SourceVersion | undefined {
  if (typeof source === 'string') {
    if (isRemoteSource(source)) return undefined
    try {
      const stat = statSync(source)
      if (!stat.isFile()) return undefined
      return { key: `${resolve(source)}:${stat.size}:${stat.mtimeMs}`, byteLength: stat.size }
    } catch {
      return undefined
    }
  }
  if (isRangeReader(source)) return { key: `${source.name}:${source.version}`, byteLength: source.byteLength }
  return undefined
}

/** Options of {@link batchCacheKey}. */
export interface BatchCacheKeyOptions {
  /** The loader's cache; without one nothing is cached. */
  cache: StreamingCache | undefined
  /** Decoded batch bytes expected per source byte (how much larger the columns are than the text). */
  decodedPerByte: number
  /** Extra factor for a `.gz` source (decompressed text per compressed byte). Default 5. */
  gzipFactor?: number
  /** Everything else that changes the batches: batch size, options. Serialised with JSON. */
  parts: readonly unknown[]
}

/**
 * The batch-cache key of a text loader's pass over `source`, or `undefined` to stream without
 * caching: when the source has no stable version (a stream, a URL) or when its decoded batches
 * are not expected to fit in the cache (a larger file would fill the cache during a pass only to
 * drop it, evicting other entries on the way).
 *
 * @example
 * ```ts
 * protected override cacheKey() {
 *   return batchCacheKey('csv', this.source, { cache: this.cache, decodedPerByte: 2, parts: [batchSize, options] })
 * }
 * ```
 */
export function batchCacheKey(
  prefix: string,
  source: ByteSource,
  options: BatchCacheKeyOptions,
): string | undefined {
  const cache = options.cache
  if (!cache) return undefined
  const version = sourceVersion(source)
  if (!version) return undefined
  const name = typeof source === 'string' ? source : isRangeReader(source) ? source.name : ''
  const gzip = /\.gz$/i.test(name)
  const expected = version.byteLength * options.decodedPerByte * (gzip ? (options.gzipFactor ?? 5) : 1)
  if (expected > cache.maxSizeBytes) return undefined
  return `${prefix}:${version.key}:${JSON.stringify(options.parts)}`
}
