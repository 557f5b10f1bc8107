/**
 * The error codes @sd/parquet raises besides core's shared ones (`INVALID_OPTION`,
 * `INVALID_SOURCE`, `UNKNOWN_COLUMN`, `NOT_FOUND`, `WORKER_CRASHED`, the `HTTP_*` and `IO_*` codes...). Every error is
 * an `SdError` subclass whose `location` names the file or URL, and the row group and column where
 * it applies.
 */
export const PARQUET_ERROR_CODES = [
  'PARQUET_EMPTY_FILE',
  'PARQUET_TOO_SHORT',
  'PARQUET_BAD_MAGIC',
  'PARQUET_BAD_FOOTER',
  'PARQUET_CHUNK_OUT_OF_RANGE',
  'PARQUET_CORRUPT_PAGE',
  'PARQUET_BAD_PAGE_INDEX',
  'PARQUET_SHORT_COLUMN',
  'PARQUET_SCHEMA_MISMATCH',
  'PARQUET_FILE_CHANGED',
  'PARQUET_NO_FILES',
  'PARQUET_NOT_OPEN',
  'PARQUET_UNSUPPORTED',
  'PARQUET_UNSUPPORTED_CODEC',
  'PARQUET_UNSUPPORTED_TYPE',
  'PARQUET_EXTERNAL_CHUNK',
  'PARQUET_NO_SCHEMA',
  'PARQUET_WRITE_FAILED',
] as const

/** A code of {@link PARQUET_ERROR_CODES}. */
export type ParquetErrorCode = (typeof PARQUET_ERROR_CODES)[number]
