/**
 * The error codes `@sd/core` and every package share: the same failure has the same code whichever
 * package meets it. Each package exports its own codes as a type beside these.
 *
 * - `ABORTED`: the `AbortSignal` fired.
 * - `NOT_FOUND`, `EISDIR`, `NOT_A_FILE`: a path that is missing, a directory, not a regular file.
 * - `INVALID_OPTION`: an option has a wrong value; `UNKNOWN_COLUMN`: a column name the data lacks.
 * - `GZIP_CORRUPT`: a gzip stream that is corrupt or truncated.
 * - `INVALID_UTF8`: text bytes that are not UTF-8.
 * - `RECORD_TOO_LARGE`: a text record longer than `maxRecordBytes`.
 * - `BAD_VALUE`: a value that does not fit its column's type (see `onBadValue`).
 * - `MISSING_PEER`: an optional sd package another one needs is not installed.
 * - `WORKER_CRASHED`: a decoding worker thread died or failed.
 * - `SOURCE_ERROR`: a loader failed with an error that was not an `SdError`.
 */
export type SharedErrorCode =
  | 'ABORTED'
  | 'NOT_FOUND'
  | 'EISDIR'
  | 'NOT_A_FILE'
  | 'INVALID_OPTION'
  | 'UNKNOWN_COLUMN'
  | 'GZIP_CORRUPT'
  | 'INVALID_UTF8'
  | 'RECORD_TOO_LARGE'
  | 'BAD_VALUE'
  | 'MISSING_PEER'
  | 'WORKER_CRASHED'
  | 'SOURCE_ERROR'
