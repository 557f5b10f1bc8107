/**
 * Every `code` an error from this package can carry (all are `SdError`s from `@sd/core`): the
 * package's own codes, and the shared ones it raises (`NOT_FOUND`, `INVALID_OPTION`, `ABORTED`,
 * `IO_<errno>` for an operating-system error such as `IO_ENOSPC`).
 */
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
  'INVALID_OPTION',
  'NOT_A_FILE',
  'EISDIR',
  'MMAP_UNALIGNED',
  // state (StateError)
  'READ_ONLY',
  'CLOSED',
  // the machine (UnsupportedError) and the operating system (IoError, NotFoundError)
  'MMAP_UNAVAILABLE',
  'BIG_ENDIAN_HOST',
  'MMAP_FAILED',
  'SHORT_READ',
  'NOT_FOUND',
  'IO',
  // a cancelled iteration (AbortError)
  'ABORTED',
] as const

/**
 * The `code` of an `SdError` from `@sd/mmap-vectors`, to branch on.
 *
 * @example
 * ```ts
 * try { loadMemoryMappedVectors('x.npy') }
 * catch (err) { if (err instanceof SdError && (err.code as MmapVectorsErrorCode) === 'NPY_BAD_HEADER') ... }
 * ```
 */
export type MmapVectorsErrorCode = (typeof MMAP_VECTORS_ERROR_CODES)[number] | `IO_${string}`

/** Codes of the warnings (`process.emitWarning`, type `SdWarning`) this package emits. */
export type MmapVectorsWarningCode = 'PARTIAL_VECTOR'
