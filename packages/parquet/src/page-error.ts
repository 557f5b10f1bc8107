import { type ErrorLocation, FormatError, isSdError, UnsupportedError } from '@sd/core'
import { InvalidUtf8 } from './binary-out.js'

/** An error decoding a page: unsupported features stay {@link UnsupportedError}s, the rest is corruption. */
export function pageError(err: unknown, location: ErrorLocation): Error {
  if (isSdError(err)) return err
  const detail = err instanceof Error ? err.message : String(err)
  if (err instanceof InvalidUtf8) {
    return new FormatError(`Expected UTF-8 strings, got invalid bytes: ${detail}`, {
      code: 'INVALID_UTF8',
      cause: err,
      location,
    })
  }
  if (/unsupported|not supported/i.test(detail)) {
    return new UnsupportedError(`Cannot decode the page: ${detail}`, {
      code: 'PARQUET_UNSUPPORTED',
      cause: err,
      location,
    })
  }
  return new FormatError(`Expected a valid Parquet page, could not decode it: ${detail}`, {
    code: 'PARQUET_CORRUPT_PAGE',
    cause: err,
    location,
  })
}
