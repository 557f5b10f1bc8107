import { type LoaderOptions, ValidationError } from '@sd/core'
import { MAX_DIMENSION } from './npy-header.js'

/** Largest page of the `'pread'` page cache. */
const MAX_CHUNK_BYTES = 2 ** 26

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

/** Options of `loadMemoryMappedVectors` (and the base of {@link CreateVectorsOptions}). */
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
  /**
   * Page cache of the `'pread'` backend in MiB (random reads with `get` and `readInto`); 0 reads
   * every row from the file. Default 64. (Not the batch cache of `loadVectors`, which is
   * the shared loader option `cacheSizeMb`.)
   */
  pageCacheMb?: number
  /**
   * Bytes per read of the `'pread'` page cache: one cached page (rounded down to whole vectors, at
   * least one). Default 4096: a miss reads little, so random access stays cheap; sequential scans
   * use `iterBatches`, which reads whole batches.
   */
  chunkBytes?: number
  /**
   * `fdatasync` each append's data before its new count is published (the `.npy` header), so a
   * power loss cannot leave a header counting rows that never reached the disk. Default true.
   * Without it the order is the same, which survives a process crash; `flush()` syncs.
   */
  syncAppends?: boolean
}

/**
 * Options of `VectorLoader` (`loadVectors`, `MemoryMappedVectors.toDataset`): the shared loader
 * options and the size of its units.
 */
export interface VectorLoaderOptions extends LoaderOptions {
  /**
   * Bytes of vectors per unit when the dataset is sharded, shuffled or checkpointed
   * (`dataset.shard()`...): the file splits into row ranges of this many bytes, rounded down to
   * whole vectors (at least one). Default 16 MiB.
   */
  unitBytes?: number
}

/**
 * Options of `loadVectors`: how to open the file (read-only, read in batches: the page cache of
 * random reads does not apply), and the shared loader options, whose `cacheEnabled` and
 * `cacheSizeMb` are the batch cache.
 */
export type LoadVectorsOptions = Pick<OpenVectorsOptions, 'dimension' | 'format' | 'offset' | 'backend'> &
  VectorLoaderOptions

/** Options of `MemoryMappedVectors.iterBatches`. */
export interface IterVectorsOptions {
  /** First row (negative counts from the end). Default 0. */
  start?: number
  /** End row, exclusive (negative counts from the end). Default the length when iteration starts. */
  end?: number
  /**
   * Batches read ahead: asynchronous reads in flight (`'pread'`) or pages the kernel is asked to
   * load (`'mmap'`). Default 2.
   */
  prefetch?: number
  /** Cancels the iteration with an `AbortError`. */
  signal?: AbortSignal
}

/** Vectors to append: a flat `Float32Array` (rows × dimension), or one array per vector. */
export type VectorsInput = Float32Array | readonly number[] | readonly ArrayLike<number>[]

/** Options of `createMemoryMappedVectors`. */
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
  chunkBytes: number
  syncAppends: boolean
}

/** Options of earlier releases that now mean something else or have another name. */
const RENAMED = [
  ['cacheSizeMb', 'pageCacheMb'],
  ['pageSize', 'chunkBytes'],
] as const
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
  for (const [old, now] of RENAMED) {
    if (old in options) {
      throw invalid(
        `the option ${old} was renamed: use ${now} (${old === 'cacheSizeMb' ? 'the page cache of the pread backend, in MiB' : 'bytes per page-cache read'})`,
      )
    }
  }
  const mode = options.mode ?? defaultMode
  if (!MODES.includes(mode)) throw invalid(`mode must be one of 'r', 'r+', 'w+', got ${JSON.stringify(mode)}`)
  const backend = options.backend ?? 'auto'
  if (!BACKENDS.includes(backend)) {
    throw invalid(`backend must be one of 'auto', 'mmap', 'pread', got ${JSON.stringify(backend)}`)
  }
  const format = options.format ?? (path.toLowerCase().endsWith('.npy') ? 'npy' : 'raw')
  if (!FORMATS.includes(format)) throw invalid(`format must be 'npy' or 'raw', got ${JSON.stringify(format)}`)
  const { dimension } = options
  if (
    dimension !== undefined &&
    !(Number.isInteger(dimension) && dimension >= 1 && dimension <= MAX_DIMENSION)
  ) {
    throw invalid(`dimension must be an integer from 1 to ${MAX_DIMENSION}, got ${dimension}`)
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
  const pageCacheMb = options.pageCacheMb ?? 64
  if (!(pageCacheMb >= 0 && Number.isFinite(pageCacheMb))) {
    throw invalid(`pageCacheMb must be a non-negative number, got ${pageCacheMb}`)
  }
  const chunkBytes = options.chunkBytes ?? 4096
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 1 && chunkBytes <= MAX_CHUNK_BYTES)) {
    throw invalid(
      `chunkBytes must be an integer number of bytes from 1 to ${MAX_CHUNK_BYTES}, got ${chunkBytes}`,
    )
  }
  return {
    dimension,
    mode,
    format,
    offset,
    backend,
    cacheBytes: Math.floor(pageCacheMb * 1024 * 1024),
    chunkBytes,
    syncAppends: options.syncAppends ?? true,
  }
}
