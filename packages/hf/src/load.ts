import type { Row, StreamingDataset } from '@sd/core'
import { type HuggingFaceSource, HuggingFaceStreamingLoader } from './loader.js'
import type { HuggingFaceStats } from './metadata.js'
import type { HuggingFaceOptions } from './options.js'

/**
 * Streams a split of a Hugging Face hub dataset, or rows held in memory, as a
 * `StreamingDataset` of batches of exactly `batchSize` rows.
 *
 * @example
 * ```ts
 * const ds = loadHuggingFace('stanfordnlp/imdb', { split: 'test', columns: ['label'], batchSize: 5000 })
 * for await (const batch of ds) console.log(batch.numRows) // 5000, 5000, ...
 *
 * const local = loadHuggingFace({ rows: [{ id: 1 }, { id: 2 }, { id: 3 }] }, { batchSize: 2 })
 * console.log((await local.toArray()).length) // 3
 * ```
 */
export function loadHuggingFace(
  source: HuggingFaceSource,
  options: HuggingFaceOptions = {},
): StreamingDataset<Row, HuggingFaceStats> {
  return new HuggingFaceStreamingLoader(source, options).toDataset()
}
