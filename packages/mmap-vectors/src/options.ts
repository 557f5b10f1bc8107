import { ValidationError } from '@sd/core'

/** `'r'` read-only, `'r+'` read and append to an existing file, `'w+'` create or truncate. */
export type VectorFileMode = 'r' | 'r+' | 'w+'

/**
 * `'mmap'` maps the file through the native addon (zero-copy views); `'pread'` reads with
 * positional reads through a bounded page cache (pure JavaScript, always available); `'auto'`
 * picks `'mmap'` when the addon loaded and the data offset allows float32 views.
 */
export type VectorBackend = 'auto' | 'mmap' | 'pread'

/** `'npy'` (NumPy `.npy`, float32 `(n, d)`) or `'raw'` (float32 rows, no header). */
export type VectorFormat = 'npy' | 'raw'

/** Options of {@link loadMemoryMappedVectors} (and the base of {@link CreateVectorsOptions}). */
export interface OpenVectorsOptions {
  /** Components per vector. Required for raw files and for mode `'w+'`; checked against a `.npy` header. */
  dimension?: number
  /** Default `'r'` when loading, `'w+'` when creating. */
  mode?: VectorFileMode
  /** Default by extension: `.npy` is NumPy, anything else raw float32 rows. */
  format?: VectorFormat
  /** Raw files only: bytes to skip before the first vector (a prefix). Default 0. */
  offset?: number
  /** Default `'auto'`. */
  backend?: VectorBackend
  /** Page cache of the `'pread'` backend in MiB; 0 reads every row from the file. Default 64. */
  cacheSizeMb?: number
  /**
   * Bytes per cached page of the `'pread'` backend (rounded down to whole vectors, at least one).
   * Default 4096: a miss reads little, so random access stays cheap; sequential scans use
   * `iterBatches`, which reads whole batches.
   */
  pageSize?: number
  /**
   * `fdatasync` each append's data before its new count is published (the `.npy` header), so a
   * power loss cannot leave a header counting rows that never reached the disk. Default true.
   * Without it the order is the same, which survives a process crash; `flush()` syncs.
   */
  syncAppends?: boolean
}

/** Vectors to append: a flat `Float32Array` (rows × dimension), or one array per vector. */
export type VectorsInput = Float32Array | readonly number[] | readonly ArrayLike<number>[]

/** Options of {@link createMemoryMappedVectors}. */
export interface CreateVectorsOptions extends OpenVectorsOptions {
  dimension: number
  /** Vectors written right after the file is created or opened. */
  initialVectors?: VectorsInput
}

/** Options with defaults applied. */
export interface ResolvedOpenOptions {
  dimension: number | undefined
  mode: VectorFileMode
  format: VectorFormat
  offset: number
  backend: VectorBackend
  cacheBytes: number
  pageSize: number
  syncAppends: boolean
}

const MODES: readonly VectorFileMode[] = ['r', 'r+', 'w+']
const BACKENDS: readonly VectorBackend[] = ['auto', 'mmap', 'pread']
const FORMATS: readonly VectorFormat[] = ['npy', 'raw']

function invalid(message: string): ValidationError {
  return new ValidationError(message, { code: 'INVALID_OPTION' })
}

/** Validates options and applies defaults; `path` decides the format when none is given. */
export function resolveOpenOptions(
  path: string,
  options: OpenVectorsOptions,
  defaultMode: VectorFileMode,
): ResolvedOpenOptions {
  const mode = options.mode ?? defaultMode
  if (!MODES.includes(mode)) throw invalid(`mode must be one of 'r', 'r+', 'w+', got ${JSON.stringify(mode)}`)
  const backend = options.backend ?? 'auto'
  if (!BACKENDS.includes(backend)) {
    throw invalid(`backend must be one of 'auto', 'mmap', 'pread', got ${JSON.stringify(backend)}`)
  }
  const format = options.format ?? (path.toLowerCase().endsWith('.npy') ? 'npy' : 'raw')
  if (!FORMATS.includes(format)) throw invalid(`format must be 'npy' or 'raw', got ${JSON.stringify(format)}`)
  const { dimension } = options
  if (dimension !== undefined && !(Number.isInteger(dimension) && dimension >= 1)) {
    throw invalid(`dimension must be a positive integer, got ${dimension}`)
  }
  if (dimension === undefined && (format === 'raw' || mode === 'w+')) {
    throw new ValidationError(
      format === 'raw'
        ? 'A raw vector file has no header: pass the dimension option (components per vector)'
        : "Creating a file (mode 'w+') needs the dimension option (components per vector)",
      { code: 'DIMENSION_REQUIRED', location: { file: path } },
    )
  }
  const offset = options.offset ?? 0
  if (!(Number.isSafeInteger(offset) && offset >= 0)) {
    throw invalid(`offset must be a non-negative integer number of bytes, got ${offset}`)
  }
  if (format === 'npy' && offset !== 0) {
    throw invalid('offset applies to raw files only; a .npy header says where its data starts')
  }
  const cacheSizeMb = options.cacheSizeMb ?? 64
  if (!(cacheSizeMb >= 0 && Number.isFinite(cacheSizeMb))) {
    throw invalid(`cacheSizeMb must be a non-negative number, got ${cacheSizeMb}`)
  }
  const pageSize = options.pageSize ?? 4096
  if (!(Number.isInteger(pageSize) && pageSize >= 1)) {
    throw invalid(`pageSize must be a positive integer number of bytes, got ${pageSize}`)
  }
  return {
    dimension,
    mode,
    format,
    offset,
    backend,
    cacheBytes: Math.floor(cacheSizeMb * 1024 * 1024),
    pageSize,
    syncAppends: options.syncAppends ?? true,
  }
}
