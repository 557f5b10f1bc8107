/**
 * @packageDocumentation
 * Exact and IVF nearest-neighbour search over float32 vectors, in memory or memory-mapped, with
 * exact metadata filters, scored by a WebAssembly SIMD kernel.
 *
 * @example
 * ```ts
 * import { KnnIndex } from '@sd/knn'
 *
 * const index = new KnnIndex({ dimension: 2, metric: 'cosine' })
 * index.addVectors([[1, 0], [0, 1], [0.5, 0.5]])
 * console.log(await index.search([0.9, 0.1], 2)) // [{ index: 0, score: 0.9938..., metadata: { id: '0' } }, ...]
 * ```
 */

export type { SaveResult } from './car-write.js'
export type { KnnErrorCode } from './errors.js'
export { IvfIndex, type IvfIndexOptions, type IvfSearchOptions } from './ivf-index.js'
export type { TrainOptions } from './kmeans.js'
export { type FromVectorsOptions, KnnIndex } from './knn-index.js'
export type { Metadata } from './metadata.js'
export type { Metric } from './metric.js'
export type { KnnIndexOptions, SearchBatchOptions, SearchOptions } from './options.js'
export type { SearchResult } from './results.js'
export type { VectorsInput } from './vectors.js'
