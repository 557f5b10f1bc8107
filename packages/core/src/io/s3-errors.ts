import { AbortError, type ErrorLocation, isSdError } from '../errors.js'
import { relocatedError } from '../relocate-error.js'
import { type S3Location, s3Url } from './s3-config.js'

/**
 * The same error, naming `s3://bucket/key` (and the bucket and key in its message) where it named
 * the HTTP URL the request went to: timeouts, refused connections, changed objects. Errors that
 * already name the `s3://` URL, aborts, and anything not an `SdError` pass through unchanged.
 */
export function renameS3Error(err: unknown, httpUrl: string, where: S3Location): unknown {
  if (!isSdError(err) || err instanceof AbortError || err.location?.url !== httpUrl) return err
  const location: ErrorLocation = { ...err.location, url: s3Url(where.bucket, where.key) }
  return relocatedError(err, location, `S3 key "${where.key}" in bucket "${where.bucket}": `)
}
