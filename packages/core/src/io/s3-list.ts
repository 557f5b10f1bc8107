import { FormatError, throwIfAborted, ValidationError } from '../errors.js'
import { statusError } from './http-errors.js'
import type { HttpOptions } from './http-options.js'
import { retryAfterMs } from './retry.js'
import { retryingRequest } from './retrying-fetch.js'
import { bucketUrl, parseS3Url, resolveS3Options, type S3Options, s3Url } from './s3-config.js'
import { renameS3Error } from './s3-errors.js'
import { s3Fetch } from './s3-fetch.js'
import { decodeXmlText, xmlElements, xmlText } from './s3-xml.js'

/** One object of a listing. */
export interface S3Object {
  /** `s3://bucket/key`. */
  url: string
  bucket: string
  key: string
  /** Size in bytes. */
  size: number
  /** The ETag (quotes included, as S3 sends it). */
  etag: string
  /** ISO 8601 time of the last change, when the store says. */
  lastModified: string | undefined
}

/** Options of {@link listS3}. */
export interface S3ListOptions extends HttpOptions {
  /** Credentials, region and endpoint (each defaults to its AWS environment variable). */
  s3?: S3Options | undefined
  /** Keys per page asked for (S3 gives at most 1000). Default 1000. */
  pageSize?: number
  /** Cancels the listing. */
  signal?: AbortSignal | undefined
}

/**
 * Every object under `s3://bucket/prefix` (all depths, in S3's key order: UTF-8 binary order),
 * through signed ListObjectsV2 requests, page after page. Keys ending in `/` (folder markers) are
 * left out. Each page request has the timeouts and retries of {@link HttpOptions}; refusals are
 * typed as for {@link S3RangeReader} and name the bucket and prefix.
 *
 * @example
 * ```ts
 * const objects = await listS3('s3://datasets/train/')
 * const parquet = objects.filter((o) => o.key.endsWith('.parquet')).map((o) => o.url)
 * ```
 */
export async function listS3(url: string, options: S3ListOptions = {}): Promise<S3Object[]> {
  const where = parseS3Url(url)
  const settings = resolveS3Options(options.s3)
  const pageSize = options.pageSize ?? 1000
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new ValidationError(`pageSize must be an integer in [1, 1000], got ${pageSize}`, {
      code: 'INVALID_OPTION',
    })
  }
  const base = bucketUrl(settings, where.bucket)
  const { s3: _s3, pageSize: _pageSize, signal, ...http } = options
  const fetch = s3Fetch(settings, options.fetch ?? globalThis.fetch, where)
  const out: S3Object[] = []
  let token: string | undefined
  for (let page = 0; ; page++) {
    throwIfAborted(signal)
    const query = new URLSearchParams({ 'list-type': '2', prefix: where.key, 'max-keys': String(pageSize) })
    query.set('encoding-type', 'url')
    if (token !== undefined) query.set('continuation-token', token)
    const pageUrl = `${base}?${query.toString().replaceAll('+', '%20')}`
    let doc: string
    try {
      doc = await retryingRequest(pageUrl, {}, { ...http, fetch, signal }, async (res) => {
        if (!res.ok) throw statusError(res, pageUrl, retryAfterMs(res.headers.get('retry-after')))
        return res.text()
      })
    } catch (err) {
      throw renameS3Error(err, pageUrl, where)
    }
    const result = xmlElements(doc, 'ListBucketResult')[0]
    if (result === undefined) {
      throw new FormatError(
        `Expected a ListBucketResult document, got ${JSON.stringify(doc.slice(0, 120))}`,
        {
          code: 'S3_BAD_LISTING',
          location: { url: s3Url(where.bucket, where.key), index: page },
        },
      )
    }
    const urlEncoded = xmlText(result, 'EncodingType') === 'url'
    const decodeKey = (raw: string) => {
      const text = decodeXmlText(raw)
      return urlEncoded ? decodeURIComponent(text.replaceAll('+', ' ')) : text
    }
    for (const item of xmlElements(result, 'Contents')) {
      const rawKey = xmlElements(item, 'Key')[0]
      const size = Number(xmlText(item, 'Size'))
      if (rawKey === undefined || !Number.isSafeInteger(size) || size < 0) {
        throw new FormatError(
          `A listing entry lacks a key or a size: ${JSON.stringify(item.slice(0, 200))}`,
          {
            code: 'S3_BAD_LISTING',
            location: { url: s3Url(where.bucket, where.key), index: page },
          },
        )
      }
      const key = decodeKey(rawKey)
      if (key.endsWith('/')) continue
      out.push({
        url: s3Url(where.bucket, key),
        bucket: where.bucket,
        key,
        size,
        etag: xmlText(item, 'ETag') ?? '',
        lastModified: xmlText(item, 'LastModified'),
      })
    }
    const truncated = xmlText(result, 'IsTruncated') === 'true'
    const next = xmlText(result, 'NextContinuationToken')
    if (!truncated) break
    if (next === undefined || next === token) {
      throw new FormatError('A truncated listing page carries no new continuation token', {
        code: 'S3_BAD_LISTING',
        location: { url: s3Url(where.bucket, where.key), index: page },
      })
    }
    token = next
  }
  return out
}
