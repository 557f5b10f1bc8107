/**
 * @packageDocumentation
 * Stream Hugging Face hub datasets in batches without downloading them: {@link loadHuggingFace}
 * and {@link HuggingFaceStreamingLoader}. A split resolves to the Parquet files of one commit
 * (the repository's own, or the hub's conversion on `refs/convert/parquet`), read row group by
 * row group over HTTP range requests with read-ahead, projection and filter push-down.
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
export { loadHuggingFace } from './load.js'
export {
  type HuggingFaceFileInfo,
  type HuggingFaceMetadata,
  type HuggingFaceSource,
  HuggingFaceStreamingLoader,
  type RowSource,
} from './loader.js'
export {
  CONVERSION_REVISION,
  type HuggingFaceFilter,
  type HuggingFaceOptions,
  PUBLIC_HUB,
} from './options.js'
export type { ResolvedSplit, SplitFile, SplitSource } from './resolve.js'
