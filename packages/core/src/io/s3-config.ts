import { ValidationError } from '../errors.js'

/**
 * Where and as whom sd talks to an S3-compatible object store. Every field falls back to the
 * environment variables the AWS tools read, so code that runs under an AWS SDK runs under sd too.
 */
export interface S3Options {
  /** Access key id. Default `AWS_ACCESS_KEY_ID`; without one, requests go unsigned (public buckets). */
  accessKeyId?: string | undefined
  /** Secret access key. Default `AWS_SECRET_ACCESS_KEY`. */
  secretAccessKey?: string | undefined
  /** Session token of temporary credentials. Default `AWS_SESSION_TOKEN`. */
  sessionToken?: string | undefined
  /** Region the requests are signed for. Default `AWS_REGION`, then `AWS_DEFAULT_REGION`, then `us-east-1`. */
  region?: string | undefined
  /**
   * The service's base URL, for MinIO, Ceph, R2, GCS interoperability and the like. Default
   * `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`, else AWS's own regional endpoint.
   */
  endpoint?: string | undefined
  /**
   * Address buckets in the path (`endpoint/bucket/key`) rather than the host name
   * (`bucket.endpoint/key`). Default: path style with a custom `endpoint` (what MinIO and Ceph
   * expect) and for bucket names with dots; virtual-hosted style on AWS otherwise.
   */
  forcePathStyle?: boolean | undefined
}

/** {@link S3Options} resolved against the environment. */
export interface S3Settings {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string | undefined } | undefined
  region: string
  /** Custom endpoint, without a trailing slash; `undefined` for AWS. */
  endpoint: string | undefined
  forcePathStyle: boolean | undefined
}

/** A bucket and a key (or a prefix, ending in `/` or empty) named by an `s3://` URL. */
export interface S3Location {
  bucket: string
  key: string
}

/** True for an `s3://` URL. */
export function isS3Url(source: string): boolean {
  return /^s3:\/\//i.test(source)
}

/**
 * Splits `s3://bucket/key` into bucket and key (the key as written: S3 keys are plain strings, so
 * `%` and `?` are part of the key). A `ValidationError` (`INVALID_URL`) for anything else.
 */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/is.exec(url)
  const bucket = match?.[1]
  if (!bucket || !/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(bucket)) {
    throw new ValidationError(
      `Expected s3://bucket/key with a valid bucket name, got ${JSON.stringify(url)}`,
      {
        code: 'INVALID_URL',
        location: { url },
      },
    )
  }
  return { bucket, key: match?.[2] ?? '' }
}

/** `s3://bucket/key`. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`
}

/**
 * Applies the environment to `options` (fields given win). Credentials need both the key id and
 * the secret: one without the other is a `ValidationError` (`INVALID_OPTION`).
 */
export function resolveS3Options(options: S3Options = {}, env: NodeJS.ProcessEnv = process.env): S3Settings {
  const pick = (value: string | undefined, ...names: string[]) => {
    if (value !== undefined && value !== '') return value
    for (const name of names) {
      const v = env[name]
      if (v !== undefined && v !== '') return v
    }
    return undefined
  }
  const accessKeyId = pick(options.accessKeyId, 'AWS_ACCESS_KEY_ID')
  const secretAccessKey = pick(options.secretAccessKey, 'AWS_SECRET_ACCESS_KEY')
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ValidationError(
      `S3 credentials need both an access key id and a secret access key; got only the ${accessKeyId === undefined ? 'secret' : 'key id'}`,
      { code: 'INVALID_OPTION' },
    )
  }
  const endpoint = pick(options.endpoint, 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL')
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/i.test(endpoint)) {
    throw new ValidationError(`The S3 endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`, {
      code: 'INVALID_OPTION',
    })
  }
  return {
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey, sessionToken: pick(options.sessionToken, 'AWS_SESSION_TOKEN') }
        : undefined,
    region: pick(options.region, 'AWS_REGION', 'AWS_DEFAULT_REGION') ?? 'us-east-1',
    endpoint: endpoint?.replace(/\/+$/, ''),
    forcePathStyle: options.forcePathStyle,
  }
}

/** S3's encoding of a key in a URL path: every byte but unreserved characters and `/` escaped. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/')
}

/** The HTTP(S) URL of a bucket (with a trailing slash) under `settings`. */
export function bucketUrl(settings: S3Settings, bucket: string): string {
  const pathStyle = settings.forcePathStyle ?? (settings.endpoint !== undefined || bucket.includes('.'))
  if (settings.endpoint !== undefined) {
    if (pathStyle) return `${settings.endpoint}/${bucket}/`
    const url = new URL(settings.endpoint)
    url.hostname = `${bucket}.${url.hostname}`
    return url.href.endsWith('/') ? url.href : `${url.href}/`
  }
  const host = `s3.${settings.region}.amazonaws.com`
  return pathStyle ? `https://${host}/${bucket}/` : `https://${bucket}.${host}/`
}

/** The HTTP(S) URL of an object. */
export function objectUrl(settings: S3Settings, { bucket, key }: S3Location): string {
  return bucketUrl(settings, bucket) + encodeKey(key)
}
