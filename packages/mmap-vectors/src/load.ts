import type { StreamingDataset } from '@sd/core'
import { type VectorRow, vectorDataset } from './loader.js'
import {
  type CreateVectorsOptions,
  type LoadVectorsOptions,
  type OpenVectorsOptions,
  resolveOpenOptions,
} from './options.js'
import { MemoryMappedVectors } from './vectors.js'

/**
 * Creates (mode `'w+'`, the default: truncating an existing file) or opens for appending
 * (mode `'r+'`) a vector file, and appends `initialVectors`. `.npy` paths get a NumPy v1.0 header.
 *
 * @example
 * ```ts
 * const vectors = createMemoryMappedVectors('embeddings.npy', { dimension: 3, initialVectors: [[1, 2, 3]] })
 * vectors.append(new Float32Array([4, 5, 6, 7, 8, 9]))
 * vectors.length // 3
 * vectors.close()
 * ```
 */
export function createMemoryMappedVectors(path: string, options: CreateVectorsOptions): MemoryMappedVectors {
  const { initialVectors, ...rest } = options
  const vectors = new MemoryMappedVectors(path, { ...rest, mode: options.mode ?? 'w+' })
  if (initialVectors !== undefined) {
    try {
      vectors.append(initialVectors)
    } catch (err) {
      vectors.close()
      throw err
    }
  }
  return vectors
}

/**
 * Opens a vector file, read-only by default (mode `'r'`). Raw files need `dimension`; `.npy`
 * files carry it (and it is checked when given).
 *
 * @example
 * ```ts
 * const vectors = loadMemoryMappedVectors('embeddings.npy')
 * vectors.get(0) // Float32Array(3) [1, 2, 3]
 * vectors.close()
 * ```
 */
export function loadMemoryMappedVectors(path: string, options: OpenVectorsOptions = {}): MemoryMappedVectors {
  return new MemoryMappedVectors(path, { ...options, mode: options.mode ?? 'r' })
}

/**
 * A {@link StreamingDataset} over a vector file with an `index` column and a `vector` column (per
 * batch one flat `Float32Array` of rows x dimension, a `VectorColumn`). Each pass
 * opens the file read-only and closes it when the pass ends (also on `break`, errors and aborts).
 * Batches are memory of their own: with `backend: 'auto'` (the default) each is one positional
 * read on the thread pool, read ahead while the consumer works on the previous one.
 *
 * @example
 * ```ts
 * const ds = loadVectors('embeddings.npy', { batchSize: 1024 })
 * // per batch one flat Float32Array of rows x dimension: 1024 vectors of 3 components
 * for await (const batch of ds) console.log(batch.numRows, batch.column('vector').length) // 1024 3072
 * ```
 */
export function loadVectors(path: string, options: LoadVectorsOptions = {}): StreamingDataset<VectorRow> {
  const { dimension, format, offset, backend, ...loaderOptions } = options
  const open: OpenVectorsOptions = { mode: 'r' }
  if (dimension !== undefined) open.dimension = dimension
  if (format !== undefined) open.format = format
  if (offset !== undefined) open.offset = offset
  // a pass hands out batches it owns (it closes the file at its end), so a mapping would only be
  // copied out of: 'auto' reads each batch with one positional read on the thread pool instead,
  // overlapped with the consumer, and no mapped page is ever faulted in or released
  open.backend = backend === undefined || backend === 'auto' ? 'pread' : backend
  // batches are read whole: the page cache of random reads stays empty
  open.pageCacheMb = 0
  // options are checked now, not when the first pass opens the file
  resolveOpenOptions(path, open, 'r')
  return vectorDataset(() => ({ vectors: new MemoryMappedVectors(path, open), owned: true }), loaderOptions, {
    path,
    options: JSON.stringify(open),
  })
}
