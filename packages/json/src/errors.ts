import type { CoreErrorCode } from '@sd/core'

/**
 * Error codes of @sd/json, beside core's shared ones it uses (`INVALID_UTF8`, `RECORD_TOO_LARGE`,
 * `TYPE_MISMATCH`, `GZIP_CORRUPT`, `INVALID_OPTION`, `NOT_FOUND`, `EISDIR`, `ABORTED`,
 * `WORKER_CRASHED`).
 */
export type JsonErrorCode =
  | 'JSON_MALFORMED'
  | 'JSON_NOT_OBJECT'
  | 'JSON_TRUNCATED'
  | 'JSON_NOT_ARRAY'
  | 'JSON_PATH_NOT_FOUND'
  | CoreErrorCode
