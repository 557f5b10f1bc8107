import { AbortError, type ErrorLocation, type SdError } from './errors.js'
import { errorFromMessage, errorToMessage } from './workers/error-message.js'

/**
 * The same error (class, code, status; the original as `cause`) placed somewhere else: `location`
 * replaces its location, and `prefix` goes before its message. For a reader that worked on a view
 * of the data (a byte range, an HTTP URL behind an `s3://` one) and knows where that view lies.
 */
export function relocatedError(err: SdError, location: ErrorLocation, prefix = ''): SdError {
  if (err instanceof AbortError) return err
  const message = errorToMessage(err)
  const out = errorFromMessage({ ...message, message: `${prefix}${message.message}`, location })
  if (out === undefined) return err
  Object.defineProperty(out, 'cause', { value: err, writable: true, configurable: true })
  return out
}
