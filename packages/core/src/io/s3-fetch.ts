import { AwsV4Signer } from 'aws4fetch'
import { AuthError, NetworkError, NotFoundError, type SdError, ValidationError } from '../errors.js'
import { RETRYABLE_STATUSES } from './http-errors.js'
import { type S3Location, type S3Settings, s3Url } from './s3-config.js'
import { xmlText } from './s3-xml.js'

/** The largest error document read from an S3 answer (they are a few hundred bytes). */
const MAX_ERROR_BYTES = 64 * 1024

/**
 * A `fetch` that signs every request with AWS Signature V4 (aws4fetch) for the S3 service (anew
 * for each attempt, so a retry never carries a stale date), and turns S3's refusals into typed
 * errors naming the bucket and the key: 401/403 an `AuthError` (a wrong secret, an unknown key id,
 * an expired token, a denied policy), 404 a `NotFoundError`, a bucket in another region a
 * `ValidationError` (`S3_WRONG_REGION`), other 4xx a `NetworkError`, each with S3's own error code
 * and message. Retryable answers (429, 5xx, 408) and successes pass through unchanged, for the
 * HTTP machinery to retry or read.
 */
export function s3Fetch(settings: S3Settings, base: typeof fetch, where: S3Location): typeof fetch {
  // signing keys depend on secret, day, region and service only: derive them once per reader
  const keyCache = new Map<string, ArrayBuffer>()
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    let request: RequestInit = init
    if (settings.credentials) {
      const signer = new AwsV4Signer({
        url,
        method: init.method ?? 'GET',
        headers: init.headers ?? {},
        accessKeyId: settings.credentials.accessKeyId,
        secretAccessKey: settings.credentials.secretAccessKey,
        ...(settings.credentials.sessionToken === undefined
          ? {}
          : { sessionToken: settings.credentials.sessionToken }),
        service: 's3',
        region: settings.region,
        cache: keyCache,
      })
      const signed = await signer.sign()
      request = { ...init, headers: signed.headers }
    }
    const res = await base(url, request)
    if (res.status < 300 || res.status === 416 || RETRYABLE_STATUSES.has(res.status)) return res
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) return res
    throw await s3Failure(res, settings, where)
  }
}

/** The typed error for an S3 answer that refuses the request. */
async function s3Failure(res: Response, settings: S3Settings, where: S3Location): Promise<SdError> {
  const text = await readSome(res)
  const s3Code = xmlText(text, 'Code')
  const s3Message = xmlText(text, 'Message')
  const said = [s3Code, s3Message].filter(Boolean).join(': ') || `HTTP ${res.status} ${res.statusText}`.trim()
  const status = res.status
  const location = { url: s3Url(where.bucket, where.key) }
  const what =
    where.key === '' ? `bucket "${where.bucket}"` : `key "${where.key}" in bucket "${where.bucket}"`
  const bucketRegion = res.headers.get('x-amz-bucket-region') ?? xmlText(text, 'Region')
  if (
    status === 301 ||
    s3Code === 'AuthorizationHeaderMalformed' ||
    s3Code === 'PermanentRedirect' ||
    s3Code === 'IllegalLocationConstraintException'
  ) {
    const hint = bucketRegion ? `region "${bucketRegion}"` : 'another region or endpoint'
    return new ValidationError(
      `S3 answered for ${what} that it lives in ${hint}, not "${settings.region}" (${said}); set region (or AWS_REGION) accordingly`,
      { code: 'S3_WRONG_REGION', location },
    )
  }
  if (status === 401 || status === 403) {
    const detail = settings.credentials
      ? `expected the access key id "${settings.credentials.accessKeyId}" and its secret to be valid and allowed to read it`
      : 'no credentials were given (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the options)'
    return new AuthError(`S3 refused access to ${what}: ${said}; ${detail}`, {
      code: `HTTP_${status}`,
      status,
      location,
    })
  }
  if (status === 404) {
    const missing = s3Code === 'NoSuchBucket' ? `bucket "${where.bucket}"` : what
    return new NotFoundError(`S3 has no ${missing}: ${said}`, { code: 'HTTP_404', location })
  }
  return new NetworkError(`S3 refused the request for ${what}: ${said}`, {
    code: `HTTP_${status}`,
    status,
    location,
  })
}

async function readSome(res: Response): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < MAX_ERROR_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } catch {
    // the error document is a courtesy: the status alone still types the error
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}
