import { type CoreErrorCode, FormatError, SdError, StateError, ValidationError } from '@sd/core'

/** The codes of this package's own errors (all `SdError`s from `@sd/core`). */
export const KNN_ERROR_CODES = [
  // arguments (ValidationError)
  'KNN_DIMENSION_MISMATCH',
  'KNN_METADATA_COUNT',
  'KNN_BAD_K',
  'KNN_NON_FINITE',
  'KNN_BAD_VECTORS',
  'KNN_BAD_METADATA',
  'KNN_UNKNOWN_FIELD',
  'KNN_BAD_INDEX',
  'KNN_NOT_TRAINED',
  // state (StateError)
  'KNN_CLOSED',
  // a saved index that is corrupt, truncated, incomplete or foreign (FormatError)
  'KNN_BAD_SAVE',
  'CAR_HASH_MISMATCH',
  'CAR_MISSING_BLOCK',
  'CAR_TRUNCATED',
  'CAR_BAD_HEADER',
] as const

/** The shared codes of `@sd/core` this package raises as well. */
export const KNN_SHARED_CODES = [
  'INVALID_OPTION',
  'INVALID_FILTER',
  'WORKER_CRASHED',
  'ABORTED',
  'NOT_FOUND',
  'CLOSED',
  'IO',
] as const satisfies readonly CoreErrorCode[]

/**
 * The `code` of an `SdError` from `@sd/knn`, to branch on: the package's own codes, the shared ones
 * it raises, and `IO_<errno>` for an operating-system error.
 */
export type KnnErrorCode =
  | (typeof KNN_ERROR_CODES)[number]
  | (typeof KNN_SHARED_CODES)[number]
  | `IO_${string}`

/** A `ValidationError` with a knn code. */
export function invalid(code: KnnErrorCode, message: string, index?: number): ValidationError {
  return new ValidationError(message, index === undefined ? { code } : { code, location: { index } })
}

/** A saved index that is corrupt, truncated or not an sd index. */
export function corrupt(code: KnnErrorCode, message: string, file: string, cause?: unknown): FormatError {
  return new FormatError(message, { code, location: { file }, ...(cause === undefined ? {} : { cause }) })
}

/** Use after `close()`. */
export function closedError(): StateError {
  return new StateError('The index is closed', { code: 'KNN_CLOSED' })
}

/** A search worker that died or failed. */
export function workerCrashed(detail: string, cause?: unknown): SdError {
  return new SdError(`A search worker crashed: ${detail}`, {
    code: 'WORKER_CRASHED',
    ...(cause === undefined ? {} : { cause }),
  })
}

/** Checks that `k` is a positive integer. */
export function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
    throw invalid('KNN_BAD_K', `Expected k to be a positive integer, got ${String(k)}`)
  return k
}
