import { FormatError, isSdError } from '../errors.js'
import { statusError } from './http-errors.js'
import { type HttpRangeOptions, HttpRangeReader } from './http-range.js'
import type { RangeReader, RangeReaderStats } from './range-reader.js'
import { retryAfterMs } from './retry.js'
import { retryingRequest } from './retrying-fetch.js'
import {
  objectUrl,
  parseS3Url,
  resolveS3Options,
  type S3Location,
  type S3Options,
  type S3Settings,
  s3Url,
} from './s3-config.js'
import { renameS3Error } from './s3-errors.js'
import { s3Fetch } from './s3-fetch.js'

/** Options of {@link S3RangeReader.open}: how to talk HTTP, and the store's address and credentials. */
export interface S3RangeOptions extends HttpRangeOptions {
  /** Credentials, region and endpoint (each defaults to its AWS environment variable). */
  s3?: S3Options | undefined
}

/**
 * A {@link RangeReader} over an object in an S3-compatible store (`s3://bucket/key`): every read
 * is a signed (AWS Signature V4) `Range` request through core's HTTP machinery, with its timeouts,
 * retries, resumed bodies, `Content-Range` checks and ETag pinning. Errors are typed and name the
 * bucket and key: a wrong secret or a denied policy an `AuthError`, a missing key a
 * `NotFoundError`, a bucket in another region a `ValidationError` (`S3_WRONG_REGION`).
 *
 * @example
 * ```ts
 * // credentials, region and endpoint from AWS_* environment variables
 * const reader = await S3RangeReader.open('s3://datasets/train/part-0.parquet')
 * const footer = await reader.read(reader.byteLength - 8, reader.byteLength)
 * ```
 */
export class S3RangeReader implements RangeReader {
  /** The `s3://bucket/key` URL. */
  readonly name: string
  readonly bucket: string
  readonly key: string
  /** The HTTP(S) URL the requests go to. */
  readonly httpUrl: string
  readonly #http: HttpRangeReader

  private constructor(where: S3Location, httpUrl: string, http: HttpRangeReader) {
    this.bucket = where.bucket
    this.key = where.key
    this.name = s3Url(where.bucket, where.key)
    this.httpUrl = httpUrl
    this.#http = http
  }

  /**
   * Opens `s3://bucket/key`: one signed `HEAD` request (S3's HeadObject, retried like every
   * request) learns its size and ETag, unless `known` gives them (a listing does).
   */
  static async open(url: string, options: S3RangeOptions = {}): Promise<S3RangeReader> {
    const where = parseS3Url(url)
    const settings = resolveS3Options(options.s3)
    return S3RangeReader.openAt(where, settings, options)
  }

  /** {@link S3RangeReader.open} with the location and settings already resolved. */
  static async openAt(
    where: S3Location,
    settings: S3Settings,
    options: S3RangeOptions = {},
  ): Promise<S3RangeReader> {
    const httpUrl = objectUrl(settings, where)
    const { s3: _s3, ...http } = options
    const fetch = s3Fetch(settings, options.fetch ?? globalThis.fetch, where)
    try {
      const known = options.known ?? (await headObject(httpUrl, { ...http, fetch }))
      const reader = await HttpRangeReader.open(httpUrl, { ...http, fetch, ...(known ? { known } : {}) })
      return new S3RangeReader(where, httpUrl, reader)
    } catch (err) {
      throw renameS3Error(err, httpUrl, where)
    }
  }

  get byteLength(): number {
    return this.#http.byteLength
  }

  /** The object's ETag, pinned at open: a read that sees another one fails (`REMOTE_CHANGED`). */
  get version(): string {
    return this.#http.version
  }

  /** Requests, bytes, cache hits and retries so far. */
  get stats(): RangeReaderStats {
    return this.#http.stats
  }

  async read(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      return await this.#http.read(start, end, signal)
    } catch (err) {
      throw isSdError(err) ? renameS3Error(err, this.httpUrl, this) : err
    }
  }

  close(): Promise<void> {
    return this.#http.close()
  }
}

/**
 * Size and ETag of an object from a `HEAD` request, or `undefined` when the store sends no ETag
 * (the range probe of `HttpRangeReader` then learns what it can).
 */
async function headObject(
  url: string,
  options: HttpRangeOptions,
): Promise<{ byteLength: number; etag: string } | undefined> {
  return retryingRequest(url, { method: 'HEAD' }, options, async (res) => {
    if (!res.ok) throw statusError(res, url, retryAfterMs(res.headers.get('retry-after')))
    const byteLength = Number(res.headers.get('content-length'))
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new FormatError(
        `Expected a Content-Length in the answer to HEAD, got ${res.headers.get('content-length')}`,
        {
          code: 'HTTP_NO_SIZE',
          location: { url },
        },
      )
    }
    const etag = res.headers.get('etag')
    return etag === null ? undefined : { byteLength, etag }
  })
}
