/**
 * The error codes core's own `SdError`s carry, and the codes every package shares for the same
 * failure (one `GZIP_CORRUPT`, one `UNKNOWN_COLUMN`, one `MISSING_PEER`...). Each package exports
 * its own codes the same way (`CsvErrorCode`, `ParquetErrorCode`, ...). `SdError.code` stays a
 * string so packages can add theirs; branch on these names.
 */
export const CORE_ERROR_CODES = [
  // the families' defaults
  'SD_ERROR',
  'NOT_FOUND',
  'FORMAT',
  'VALIDATION',
  'UNSUPPORTED',
  'STATE',
  'IO',
  'NETWORK',
  'AUTH',
  'ABORTED',
  // shared by every package
  'INVALID_OPTION',
  'INVALID_SOURCE',
  'UNKNOWN_COLUMN',
  'DUPLICATE_COLUMN',
  'TYPE_MISMATCH',
  'INVALID_UTF8',
  'GZIP_CORRUPT',
  'RECORD_TOO_LARGE',
  'MISSING_PEER',
  'WORKER_CRASHED',
  'INVALID_FILTER',
  // batches and columns
  'INVALID_COLUMN',
  'COLUMN_LENGTH_MISMATCH',
  'MASK_LENGTH_MISMATCH',
  'SCHEMA_MISMATCH',
  'INVALID_ROW',
  'INVALID_MAP_RESULT',
  'ARROW_UNSUPPORTED_TYPE',
  // datasets and loaders
  'SOURCE_ERROR',
  'SOURCE_CONSUMED',
  'NOT_A_BATCH',
  'CLOSED',
  // files and byte ranges
  'NOT_A_FILE',
  'NO_FILES',
  'EISDIR',
  'INVALID_RANGE',
  'REMOTE_CHANGED',
  'INVALID_URL',
  'UNSUPPORTED_SCHEME',
  // HTTP
  'HTTP_TIMEOUT',
  'HTTP_IDLE_TIMEOUT',
  'HTTP_CONNECTION_REFUSED',
  'HTTP_CONNECTION_RESET',
  'HTTP_UNREACHABLE',
  'HTTP_NETWORK',
  'HTTP_DNS',
  'HTTP_TLS',
  'HTTP_TOO_MANY_REDIRECTS',
  'HTTP_BAD_RANGE',
  'HTTP_NO_SIZE',
  // S3
  'S3_WRONG_REGION',
  'S3_BAD_LISTING',
  // sharding, shuffle and resume
  'NOT_PLANNED',
  'INVALID_STATE',
  'INCOMPLETE_STATES',
  'STATE_MISMATCH',
  'ROWS_UNKNOWN',
] as const

/**
 * A code core raises or every package shares. Also raised: `IO_<errno>` for operating-system
 * failures (`IO_EACCES`) and `HTTP_<status>` for failed HTTP answers (`HTTP_503`).
 */
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number] | `IO_${string}` | `HTTP_${number}`
