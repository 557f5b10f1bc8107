import {
  AbortError,
  AuthError,
  type ErrorLocation,
  FormatError,
  formatLocation,
  IoError,
  isSdError,
  NetworkError,
  NotFoundError,
  SdError,
  StateError,
  UnsupportedError,
  ValidationError,
} from '../errors.js'
import { type S3Location, s3Url } from './s3-config.js'

/**
 * The same error, naming `s3://bucket/key` (and the bucket and key in its message) where it named
 * the HTTP URL the request went to: timeouts, refused connections, changed objects. Errors that
 * already name the `s3://` URL, aborts, and anything not an `SdError` pass through unchanged.
 */
export function renameS3Error(err: unknown, httpUrl: string, where: S3Location): unknown {
  if (!isSdError(err) || err instanceof AbortError || err.location?.url !== httpUrl) return err
  const location: ErrorLocation = { ...err.location, url: s3Url(where.bucket, where.key) }
  const suffix = ` (at ${formatLocation(err.location)})`
  const bare = err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message
  const message = `S3 key "${where.key}" in bucket "${where.bucket}": ${bare}`
  const options = { code: err.code, cause: err, location }
  const status = (err as { status?: number | undefined }).status
  const withStatus = status === undefined ? options : { ...options, status }
  if (err instanceof AuthError) return new AuthError(message, withStatus)
  if (err instanceof NetworkError) return new NetworkError(message, withStatus)
  if (err instanceof NotFoundError) return new NotFoundError(message, options)
  if (err instanceof ValidationError) return new ValidationError(message, options)
  if (err instanceof StateError) return new StateError(message, options)
  if (err instanceof FormatError) return new FormatError(message, options)
  if (err instanceof UnsupportedError) return new UnsupportedError(message, options)
  if (err instanceof IoError) return new IoError(message, options)
  return new SdError(message, options)
}
