/**
 * @packageDocumentation
 * Stream Hugging Face hub datasets in batches without downloading them: {@link loadHuggingFace}
 * and {@link HuggingFaceStreamingLoader}. A split resolves to the files of one commit (the
 * repository's own, or the hub's Parquet conversion on `refs/convert/parquet`); each file is read
 * over HTTP range requests by the format package for it (`@sd/parquet`, `@sd/csv`, `@sd/json`:
 * optional peers), with read-ahead, projection and filter push-down.
 *
 * @example
 * ```ts
 * import { loadHuggingFace } from '@sd/hf'
 *
 * const ds = loadHuggingFace('stanfordnlp/imdb', { split: 'test', batchSize: 1000 })
 * for await (const batch of ds) console.log(batch.numRows, batch.column('label'))
 * ```
 */

export type { DataFormat } from './data-files.js'
export { HF_ERROR_CODES, HF_SHARED_CODES, type HuggingFaceErrorCode } from './errors.js'
export { type HfUrl, hfScheme, parseHfUrl } from './hf-url.js'
export { loadHuggingFace } from './load.js'
export { HUB_PREFETCH_BATCHES, type HuggingFaceSource, HuggingFaceStreamingLoader } from './loader.js'
export type { RowSource } from './memory-rows.js'
export type { HubReadStats, HuggingFaceFileInfo, HuggingFaceMetadata, HuggingFaceStats } from './metadata.js'
export {
  CONVERSION_REVISION,
  DEFAULT_CHUNK_BYTES,
  type HuggingFaceFilter,
  type HuggingFaceOptions,
  PUBLIC_HUB,
} from './options.js'
export type { ResolvedSplit, SplitFile, SplitSource } from './resolve.js'
