import type { StreamingCache } from '../cache.js'
import { SdError, StateError, ValidationError } from '../errors.js'
import { badRange, contentLength, parseContentRange, probedSize, unexpectedStatus } from './content-range.js'
import { type Attempt, BodyReader, httpAttempt } from './http-attempt.js'
import { TransientError } from './http-errors.js'
import { type HttpOptions, type HttpSettings, resolveHttpOptions } from './http-options.js'
import type { RangeReader, RangeReaderStats } from './range-reader.js'
import { anySignal, Retrier } from './retry.js'

/** An attempt that delivered at least this much before failing does not use up a retry. */
const PROGRESS_BYTES = 64 * 1024

/** Options of {@link HttpRangeReader.open}: the {@link HttpOptions} and what the reader keeps. */
export interface HttpRangeOptions extends HttpOptions {
  /** Byte ranges are kept here, keyed by URL, ETag and range. */
  cache?: StreamingCache | undefined
  /** Aborts the probe and every read, and any wait between attempts, at once. */
  signal?: AbortSignal | undefined
  /** Skip the probe when size and ETag are known (both must be given). */
  known?: { byteLength: number; etag: string }
}

/**
 * A {@link RangeReader} over an HTTP(S) object through `Range` requests. The object's ETag is
 * pinned at open: a read that sees another ETag fails rather than mixing versions.
 *
 * Every request (the opening probe too) has the timeouts of {@link HttpOptions} and is retried
 * with exponential backoff on timeouts, 408/425/429/5xx (honouring `Retry-After`) and failed
 * connections; a read resumes after the bytes already received. Every 206 answer must carry the
 * bytes asked for: its `Content-Range` (first byte, last byte, total) and its body length are
 * checked, and anything else fails with `HTTP_BAD_RANGE`. A 200 answer to a range request (a
 * server that ignores `Range`) is sliced: the bytes before the range are read and dropped, and its
 * length must be the size learned at open. Reads go through the cache when one is given.
 *
 * @example
 * ```ts
 * const reader = await HttpRangeReader.open('https://example.org/data.parquet', { cache, timeoutMs: 5000 })
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
  readonly #settings: HttpSettings
  readonly #cache: StreamingCache | undefined
  readonly #signal: AbortSignal | undefined
  #closed = false

  private constructor(
    url: string,
    byteLength: number,
    etag: string | undefined,
    options: HttpRangeOptions,
    settings: HttpSettings,
    stats: RangeReaderStats,
  ) {
    this.name = url
    this.byteLength = byteLength
    this.#etag = etag
    this.version = etag ?? `size:${byteLength}`
    this.#settings = settings
    this.#cache = options.cache
    this.#signal = options.signal
    this.stats = stats
  }

  /**
   * Probes `url` with `Range: bytes=0-0` for its size and ETag, retrying like every read.
   * 401/403 raise an `AuthError`, 404 a `NotFoundError`, other failures a `NetworkError`, each
   * naming the URL; bad options a `ValidationError` (`INVALID_OPTION`).
   */
  static async open(url: string, options: HttpRangeOptions = {}): Promise<HttpRangeReader> {
    const settings = resolveHttpOptions(options)
    const stats: RangeReaderStats = { requests: 0, bytesRead: 0, cacheHits: 0, retries: 0 }
    const make = (size: number, etag: string | undefined) =>
      new HttpRangeReader(url, size, etag, options, settings, stats)
    if (options.known) return make(options.known.byteLength, options.known.etag)
    const retrier = new Retrier(settings, options.signal, () => stats.retries++)
    for (;;) {
      try {
        stats.requests++
        const attempt = await rangeAttempt(url, 'bytes=0-0', settings, options.signal)
        try {
          return make(probedSize(attempt.response, url), attempt.response.headers.get('etag') ?? undefined)
        } finally {
          await attempt.response.body?.cancel().catch(() => undefined)
          attempt.release()
        }
      } catch (err) {
        await retrier.failed(err, 'Opening the object', url)
      }
    }
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
    const cache = this.#cache
    const key = `http:${this.name}|${this.version}|${start}-${to}`
    if (cache) {
      const hit = cache.get(key) as Uint8Array | undefined
      if (hit) {
        this.stats.cacheHits++
        return hit
      }
    }
    const bytes = await this.#fetchRange(start, to, anySignal(this.#signal, signal))
    cache?.put(key, bytes, bytes.byteLength)
    return bytes
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  async #fetchRange(start: number, end: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const out = new Uint8Array(end - start)
    const progress = { pos: 0 }
    const retrier = new Retrier(this.#settings, signal, () => this.stats.retries++)
    while (progress.pos < out.length) {
      const before = progress.pos
      try {
        await this.#readOnce(start, out, progress, signal)
      } catch (err) {
        if (progress.pos - before >= PROGRESS_BYTES) retrier.progressed()
        await retrier.failed(err, `Reading bytes ${start}-${end - 1}`, this.name, {
          url: this.name,
          byte: start + progress.pos,
        })
      }
    }
    return out
  }

  /** One request for the bytes of `out` from `progress.pos` on; a 206 may bring fewer than asked. */
  async #readOnce(
    start: number,
    out: Uint8Array,
    progress: { pos: number },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const from = start + progress.pos
    const last = start + out.length - 1
    const asked = `bytes ${from}-${last}`
    this.stats.requests++
    const attempt = await rangeAttempt(this.name, `bytes=${from}-${last}`, this.#settings, signal)
    const res = attempt.response
    let body: BodyReader | undefined
    try {
      if (res.status !== 200 && res.status !== 206) throw unexpectedStatus(res, this.name, asked)
      this.#checkVersion(res)
      const length = contentLength(res)
      // the bytes of this answer before the range (a 200 starts at 0) and the bytes it brings of it
      let skip = 0
      let bring: number
      if (res.status === 206) {
        const said = res.headers.get('content-range')
        const range = parseContentRange(said)
        if (
          !range ||
          range.first !== from ||
          range.last > last ||
          /multipart/i.test(res.headers.get('content-type') ?? '')
        )
          throw badRange(this.name, asked, `Content-Range ${JSON.stringify(said)}`)
        if (range.total !== undefined && range.total !== this.byteLength)
          throw this.#changed(`${range.total} bytes`)
        bring = range.last - range.first + 1
        if (length !== undefined && length !== bring)
          throw badRange(this.name, asked, `Content-Range ${said} but Content-Length ${length}`)
      } else {
        if (length !== undefined && length !== this.byteLength) throw this.#changed(`${length} bytes`)
        skip = from
        bring = last - from + 1
      }
      if (!res.body) throw badRange(this.name, asked, 'no body')
      body = new BodyReader(res.body, this.name, this.#settings, attempt, signal)
      const end = progress.pos + bring
      try {
        while (progress.pos < end) {
          const chunk = await body.read()
          if (chunk === undefined) break
          let data = chunk
          if (skip > 0) {
            if (data.length <= skip) {
              skip -= data.length
              continue
            }
            data = data.subarray(skip)
            skip = 0
          }
          if (data.length > end - progress.pos) {
            if (res.status === 206) throw badRange(this.name, asked, `a body longer than its Content-Range`)
            data = data.subarray(0, end - progress.pos)
          }
          out.set(data, progress.pos)
          progress.pos += data.length
        }
      } finally {
        this.stats.bytesRead += progress.pos - (end - bring)
      }
      if (progress.pos < end) {
        throw new TransientError(`The body ended after ${bring - (end - progress.pos)} of ${bring} bytes`, {
          code: 'HTTP_CONNECTION_RESET',
          url: this.name,
        })
      }
      // a 206 must end where its Content-Range says; a 200 is cut short on purpose
      if (res.status === 206 && (await body.read()) !== undefined)
        throw badRange(this.name, asked, `a body longer than its Content-Range`)
    } finally {
      if (body) await body.cancel()
      else {
        await res.body?.cancel().catch(() => undefined)
        attempt.release()
      }
    }
  }

  #checkVersion(res: Response): void {
    const etag = res.headers.get('etag')
    if (this.#etag && etag && normalizeEtag(etag) !== normalizeEtag(this.#etag)) {
      throw new SdError(
        `The remote object changed while reading it: ETag ${this.#etag} at open, ${etag} now`,
        { code: 'REMOTE_CHANGED', location: { url: this.name } },
      )
    }
  }

  #changed(now: string): SdError {
    return new SdError(
      `The remote object changed while reading it: ${this.byteLength} bytes at open, ${now} now`,
      { code: 'REMOTE_CHANGED', location: { url: this.name } },
    )
  }
}

function rangeAttempt(
  url: string,
  range: string,
  settings: HttpSettings,
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  return httpAttempt(url, { headers: { ...settings.headers, Range: range } }, settings, signal)
}

function normalizeEtag(tag: string): string {
  return tag.replace(/^W\//, '').replaceAll('"', '')
}
