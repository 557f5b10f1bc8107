import {
  AbortError,
  AuthError,
  type ErrorLocation,
  FormatError,
  formatLocation,
  IoError,
  NetworkError,
  NotFoundError,
  SdError,
  StateError,
  UnsupportedError,
  ValidationError,
} from './errors.js'

/**
 * The same error (class, code, status; the original as `cause`) placed somewhere else: `location`
 * replaces its location, and `prefix` goes before its message. For a reader that worked on a view
 * of the data (a byte range, an HTTP URL behind an `s3://` one) and knows where that view lies.
 */
export function relocatedError(err: SdError, location: ErrorLocation, prefix = ''): SdError {
  if (err instanceof AbortError) return err
  const suffix = ` (at ${formatLocation(err.location)})`
  const bare =
    err.location !== undefined && err.message.endsWith(suffix)
      ? err.message.slice(0, -suffix.length)
      : err.message
  const message = `${prefix}${bare}`
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
