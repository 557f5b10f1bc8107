import type { CoreErrorCode } from '@sd/core'

/** The codes of this package's own errors (all `SdError`s from `@sd/core`). */
export const MMAP_VECTORS_ERROR_CODES = [
  // a .npy file that is corrupt or truncated (FormatError)
  'NPY_BAD_MAGIC',
  'NPY_BAD_HEADER',
  'NPY_TRUNCATED',
  // a .npy file this package does not read (UnsupportedError)
  'NPY_VERSION',
  'NPY_DTYPE',
  'NPY_BIG_ENDIAN',
  'NPY_FORTRAN_ORDER',
  'NPY_SHAPE',
  'NPY_HEADER_FULL',
  // a raw file shorter than its offset (FormatError)
  'RAW_TOO_SHORT',
  // arguments (ValidationError)
  'DIMENSION_MISMATCH',
  'DIMENSION_REQUIRED',
  'INDEX_OUT_OF_RANGE',
  'INVALID_INDEX',
  'INVALID_OUTPUT',
  'INVALID_VECTORS',
  'MMAP_UNALIGNED',
  // state (StateError)
  'READ_ONLY',
  // the machine (UnsupportedError) and the operating system (IoError)
  'MMAP_UNAVAILABLE',
  'BIG_ENDIAN_HOST',
  'MMAP_FAILED',
  'SHORT_READ',
] as const

/** The shared codes of `@sd/core` this package raises as well. */
export const MMAP_VECTORS_SHARED_CODES = [
  'NOT_FOUND',
  'INVALID_OPTION',
  'NOT_A_FILE',
  'EISDIR',
  'CLOSED',
  'IO',
  'ABORTED',
  'STATE_MISMATCH',
] as const satisfies readonly CoreErrorCode[]

/**
 * The `code` of an `SdError` from `@sd/mmap-vectors`, to branch on: the package's own codes, the
 * shared ones it raises, and `IO_<errno>` for an operating-system error such as `IO_ENOSPC`.
 *
 * @example
 * ```ts
 * try { loadMemoryMappedVectors('x.npy') }
 * catch (err) { if (err instanceof SdError && (err.code as MmapVectorsErrorCode) === 'NPY_BAD_HEADER') ... }
 * ```
 */
export type MmapVectorsErrorCode =
  | (typeof MMAP_VECTORS_ERROR_CODES)[number]
  | (typeof MMAP_VECTORS_SHARED_CODES)[number]
  | `IO_${string}`

/** Codes of the warnings (`process.emitWarning`, type `SdWarning`) this package emits. */
export type MmapVectorsWarningCode = 'PARTIAL_VECTOR'
