import type { CoreErrorCode } from '@sd/core'

/** The codes of this package's own errors (all `SdError`s from `@sd/core`). */
export const HF_ERROR_CODES = [
  // the source and the options (ValidationError)
  'HF_NO_SOURCE',
  'HF_INVALID_NAME',
  'HF_INVALID_TOKEN',
  'HF_INVALID_HUB_URL',
  'HF_INVALID_URL',
  'HF_CONFIG_REQUIRED',
  // what the hub does not have (NotFoundError)
  'HF_DATASET_NOT_FOUND',
  'HF_REVISION_NOT_FOUND',
  'HF_FILE_NOT_FOUND',
  'HF_CONFIG_NOT_FOUND',
  'HF_SPLIT_NOT_FOUND',
  'HF_NO_DATA_FILES',
  // files no format package reads (UnsupportedError)
  'HF_FORMAT_UNSUPPORTED',
  // an answer of the hub API that is not what it documents (FormatError)
  'HF_BAD_RESPONSE',
  // rows in memory asked for a hub split (SdError)
  'HF_NOT_A_HUB_SOURCE',
] as const

/** The shared codes of `@sd/core` this package raises itself (besides those its readers raise). */
export const HF_SHARED_CODES = [
  'INVALID_OPTION',
  'INVALID_FILTER',
  'UNKNOWN_COLUMN',
  'SCHEMA_MISMATCH',
  'MISSING_PEER',
  'SOURCE_CONSUMED',
  'INVALID_ROW',
  'INVALID_UTF8',
  'RECORD_TOO_LARGE',
  'HTTP_TOO_MANY_REDIRECTS',
  'ABORTED',
  'STATE_MISMATCH',
] as const satisfies readonly CoreErrorCode[]

/**
 * The `code` of an `SdError` from `@sd/hf`, to branch on: the package's own codes, the shared codes
 * of core (`HTTP_<status>` for a refused or failed hub answer, `HTTP_TIMEOUT` and the other network
 * codes), and the codes of the format package that reads the files (`PARQUET_*`, `CSV_*`,
 * `JSON_*`, `GZIP_CORRUPT`, `INVALID_UTF8`...).
 *
 * @example
 * ```ts
 * try { await loadHuggingFace('org/name', { split: 'dev' }).count() }
 * catch (err) { if (err instanceof SdError && (err.code as HuggingFaceErrorCode) === 'HF_SPLIT_NOT_FOUND') ... }
 * ```
 */
export type HuggingFaceErrorCode =
  | (typeof HF_ERROR_CODES)[number]
  | (typeof HF_SHARED_CODES)[number]
  | CoreErrorCode
