/**
 * @packageDocumentation
 * Float32 vector files larger than RAM: raw rows or NumPy `.npy`, read by memory mapping (a small
 * native addon, zero-copy views) or positional reads through a bounded page cache, with durable
 * appends and batches that feed a `StreamingDataset`.
 *
 * @example
 * ```ts
 * import { createMemoryMappedVectors, loadMemoryMappedVectors } from '@sd/mmap-vectors'
 *
 * const out = createMemoryMappedVectors('vectors.npy', { dimension: 4, initialVectors: [[1, 2, 3, 4]] })
 * out.append([[5, 6, 7, 8]])
 * out.close()
 *
 * const vectors = loadMemoryMappedVectors('vectors.npy')
 * console.log(vectors.length, vectors.get(-1)) // 2 Float32Array(4) [5, 6, 7, 8]
 * vectors.close()
 * ```
 */

export type { VectorBatches } from './batches.js'
export {
  MMAP_VECTORS_ERROR_CODES,
  MMAP_VECTORS_SHARED_CODES,
  type MmapVectorsErrorCode,
  type MmapVectorsWarningCode,
} from './errors.js'
export { createMemoryMappedVectors, loadMemoryMappedVectors, loadVectors } from './load.js'
export {
  type VectorBatchSource,
  VectorLoader,
  type VectorOpener,
  type VectorRow,
} from './loader.js'
export { isMmapAvailable, mmapUnavailableReason } from './native.js'
export type {
  CreateVectorsOptions,
  IterVectorsOptions,
  LoadVectorsOptions,
  OpenVectorsOptions,
  VectorBackend,
  VectorFileMode,
  VectorFormat,
  VectorLoaderOptions,
  VectorsInput,
} from './options.js'
export { MemoryMappedVectors } from './vectors.js'
