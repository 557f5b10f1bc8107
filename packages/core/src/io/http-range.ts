import type { StreamingCache } from '../cache.js'
import {
  AuthError,
  abortErrorFrom,
  isSdError,
  NetworkError,
  NotFoundError,
  SdError,
  StateError,
  ValidationError,
} from '../errors.js'
import type { RangeReader, RangeReaderStats } from './range-reader.js'
import { backoffDelay, RETRYABLE_STATUSES, retryAfterMs, sleep } from './retry.js'

/** Options of {@link HttpRangeReader.open}. */
export interface HttpRangeOptions {
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** Extra request headers, e.g. `Authorization`. */
  headers?: Record<string, string>
  /** Byte ranges are kept here, keyed by URL, ETag and range. */
  cache?: StreamingCache | undefined
  /** Retries of one read on 408, 429, 5xx and dropped connections. Default 5. */
  retries?: number
  /** First backoff delay in ms, doubled on each retry (with jitter, capped at 10 s). Default 100. */
  backoffMs?: number
  /** Aborts the probe and every read. */
  signal?: AbortSignal | undefined
  /** Skip the probe when size and ETag are known (both must be given). */
  known?: { byteLength: number; etag: string }
}

/**
 * A {@link RangeReader} over an HTTP(S) object through `Range` requests. The object's ETag is
 * pinned at open: a read that sees another ETag fails rather than mixing versions. Reads retry
 * with exponential backoff on 408/429/5xx and on dropped connections, resuming after the bytes
 * already received, and go through the cache when one is given.
 *
 * @example
 * ```ts
 * const reader = await HttpRangeReader.open('https://example.org/data.parquet', { cache })
 * const footer = await reader.read(reader.byteLength - 8, reader.byteLength)
 * ```
 */
export class HttpRangeReader implements RangeReader {
  readonly name: string
  readonly byteLength: number
  /** The ETag pinned at open (or `size:<n>` when the server sends none). */
  readonly version: string
  readonly stats: RangeReaderStats
  readonly #etag: string | undefined
  readonly #options: HttpRangeOptions
  #closed = false

  private constructor(
    url: string,
    byteLength: number,
    etag: string | undefined,
    options: HttpRangeOptions,
    stats: RangeReaderStats,
  ) {
    this.name = url
    this.byteLength = byteLength
    this.#etag = etag
    this.version = etag ?? `size:${byteLength}`
    this.#options = options
    this.stats = stats
  }

  /**
   * Probes `url` with `Range: bytes=0-0` for its size and ETag. 401/403 raise an `AuthError`,
   * 404 a `NotFoundError`, other failures a `NetworkError`, each naming the URL.
   */
  static async open(url: string, options: HttpRangeOptions = {}): Promise<HttpRangeReader> {
    const stats: RangeReaderStats = { requests: 0, bytesRead: 0, cacheHits: 0, retries: 0 }
    if (options.known)
      return new HttpRangeReader(url, options.known.byteLength, options.known.etag, options, stats)
    const res = await request(url, 'bytes=0-0', options, stats, options.signal)
    const etag = res.headers.get('etag') ?? undefined
    let byteLength: number
    if (res.status === 206) {
      byteLength = totalFromContentRange(res.headers.get('content-range'), url)
    } else if (res.status === 416) {
      // an empty object cannot satisfy bytes=0-0
      byteLength = totalFromContentRange(res.headers.get('content-range'), url, 0)
    } else {
      const length = Number(res.headers.get('content-length'))
      if (!Number.isFinite(length)) {
        await res.body?.cancel()
        throw new NetworkError(
          'Expected a 206 answer with Content-Range, or a Content-Length, to learn the size',
          {
            code: 'HTTP_NO_SIZE',
            location: { url },
          },
        )
      }
      byteLength = length
    }
    await res.body?.cancel().catch(() => undefined)
    return new HttpRangeReader(url, byteLength, etag, options, stats)
  }

  async read(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.#closed)
      throw new StateError('Read after close', { code: 'CLOSED', location: { url: this.name } })
    const to = Math.min(end, this.byteLength)
    if (!(start >= 0) || start > to) {
      throw new ValidationError(`Invalid byte range [${start}, ${end}) of a ${this.byteLength}-byte object`, {
        code: 'INVALID_RANGE',
        location: { url: this.name, byte: start },
      })
    }
    if (start === to) return new Uint8Array(0)
    const cache = this.#options.cache
    const key = `http:${this.name}|${this.version}|${start}-${to}`
    if (cache) {
      const hit = cache.get(key) as Uint8Array | undefined
      if (hit) {
        this.stats.cacheHits++
        return hit
      }
    }
    const bytes = await this.#fetchRange(start, to, signal)
    cache?.put(key, bytes, bytes.byteLength)
    return bytes
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  async #fetchRange(start: number, end: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const signals = [this.#options.signal, signal].filter((s): s is AbortSignal => s !== undefined)
    const combined =
      signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals)
    const out = new Uint8Array(end - start)
    let got = 0
    let failures = 0
    const retries = this.#options.retries ?? 5
    while (got < out.length) {
      const before = got
      try {
        const res = await request(
          this.name,
          `bytes=${start + got}-${end - 1}`,
          this.#options,
          this.stats,
          combined,
        )
        this.#checkVersion(res)
        // a server that ignores Range sends the whole object: skip to the bytes wanted
        const skip = res.status === 200 ? start + got : 0
        const progress = { pos: got }
        try {
          await readBody(res, out, progress, skip)
        } finally {
          this.stats.bytesRead += progress.pos - got
          got = progress.pos
        }
        if (got < out.length)
          throw new DroppedConnection(`the body ended after ${got - before} of ${out.length - before} bytes`)
      } catch (err) {
        if (combined?.aborted) throw abortErrorFrom(combined)
        if (isSdError(err) && !(err instanceof RetryableStatus)) throw err
        if (got > before) failures = 0 // progress was made: resume without using up retries
        if (failures >= retries) {
          const detail = err instanceof Error ? err.message : String(err)
          throw new NetworkError(
            `Reading bytes ${start}-${end - 1} failed after ${failures} retries: ${detail}`,
            {
              code: 'HTTP_RETRIES_EXHAUSTED',
              cause: err,
              location: { url: this.name, byte: start + got },
              ...(err instanceof RetryableStatus ? { status: err.status } : {}),
            },
          )
        }
        const retryAfter = err instanceof RetryableStatus ? err.retryAfterMs : undefined
        await sleep(retryAfter ?? backoffDelay(this.#options.backoffMs ?? 100, failures), combined)
        failures++
        this.stats.retries++
      }
    }
    return out
  }

  #checkVersion(res: Response): void {
    const etag = res.headers.get('etag')
    if (this.#etag && etag && normalizeEtag(etag) !== normalizeEtag(this.#etag)) {
      void res.body?.cancel().catch(() => undefined)
      throw new SdError(
        `The remote object changed while reading it: ETag ${this.#etag} at open, ${etag} now`,
        {
          code: 'REMOTE_CHANGED',
          location: { url: this.name },
        },
      )
    }
  }
}

/** A 408/429/5xx answer, retried by the reader. */
class RetryableStatus extends NetworkError {
  readonly retryAfterMs: number | undefined
  constructor(status: number, url: string, retryAfterMs: number | undefined) {
    super(`HTTP ${status}`, { code: `HTTP_${status}`, status, location: { url } })
    this.retryAfterMs = retryAfterMs
  }
}

class DroppedConnection extends Error {}

async function request(
  url: string,
  range: string,
  options: HttpRangeOptions,
  stats: RangeReaderStats,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const doFetch = options.fetch ?? fetch
  stats.requests++
  let res: Response
  try {
    res = await doFetch(url, { headers: { ...options.headers, Range: range }, ...(signal ? { signal } : {}) })
  } catch (err) {
    if (signal?.aborted) throw abortErrorFrom(signal)
    throw err
  }
  if (res.ok || res.status === 416) return res
  await res.body?.cancel().catch(() => undefined)
  if (RETRYABLE_STATUSES.has(res.status))
    throw new RetryableStatus(res.status, url, retryAfterMs(res.headers.get('retry-after')))
  if (res.status === 401 || res.status === 403) {
    throw new AuthError(`HTTP ${res.status}: the server refused access; expected valid credentials`, {
      code: `HTTP_${res.status}`,
      status: res.status,
      location: { url },
    })
  }
  if (res.status === 404)
    throw new NotFoundError('HTTP 404: no object at this URL', { code: 'HTTP_404', location: { url } })
  throw new NetworkError(`HTTP ${res.status} ${res.statusText}: expected 200 or 206`, {
    code: `HTTP_${res.status}`,
    status: res.status,
    location: { url },
  })
}

/**
 * Copies the body into `out` from `progress.pos`, after skipping `skip` leading bytes, advancing
 * `progress.pos` as bytes arrive so a broken connection still tells how far it got.
 */
async function readBody(
  res: Response,
  out: Uint8Array,
  progress: { pos: number },
  skip: number,
): Promise<void> {
  if (!res.body) return
  const reader = res.body.getReader()
  let toSkip = skip
  try {
    while (progress.pos < out.length) {
      const { done, value } = await reader.read()
      if (done) break
      let chunk = value
      if (toSkip > 0) {
        if (chunk.length <= toSkip) {
          toSkip -= chunk.length
          continue
        }
        chunk = chunk.subarray(toSkip)
        toSkip = 0
      }
      const n = Math.min(chunk.length, out.length - progress.pos)
      out.set(n === chunk.length ? chunk : chunk.subarray(0, n), progress.pos)
      progress.pos += n
    }
  } finally {
    if (progress.pos >= out.length) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}

function totalFromContentRange(header: string | null, url: string, fallback?: number): number {
  const match = header?.match(/\/(\d+)\s*$/)
  if (match?.[1]) return Number(match[1])
  if (fallback !== undefined) return fallback
  throw new NetworkError(
    `Expected a Content-Range header like "bytes 0-0/1234", got ${JSON.stringify(header)}`,
    {
      code: 'HTTP_BAD_CONTENT_RANGE',
      location: { url },
    },
  )
}

function normalizeEtag(tag: string): string {
  return tag.replace(/^W\//, '').replaceAll('"', '')
}
