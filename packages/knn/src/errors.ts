import { FormatError, SdError, StateError, ValidationError } from '@sd/core'

/**
 * Error codes of @sd/knn (beside core's shared ones such as `INVALID_FILTER`, `INVALID_OPTION`,
 * `WORKER_CRASHED`, `ABORTED`, `NOT_FOUND`).
 */
export type KnnErrorCode =
  | 'KNN_DIMENSION_MISMATCH'
  | 'KNN_METADATA_COUNT'
  | 'KNN_BAD_K'
  | 'KNN_NON_FINITE'
  | 'KNN_BAD_VECTORS'
  | 'KNN_BAD_METADATA'
  | 'KNN_UNKNOWN_FIELD'
  | 'KNN_BAD_INDEX'
  | 'KNN_NOT_TRAINED'
  | 'KNN_CLOSED'
  | 'KNN_BAD_SAVE'
  | 'CAR_HASH_MISMATCH'
  | 'CAR_MISSING_BLOCK'
  | 'CAR_TRUNCATED'
  | 'CAR_BAD_HEADER'
  | 'INVALID_OPTION'
  | 'WORKER_CRASHED'

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
