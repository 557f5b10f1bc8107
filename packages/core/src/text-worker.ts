/**
 * @packageDocumentation
 * The parts of `@sd/core` that a text loader's parse worker uses, as an entry point of their own:
 * a worker thread that imports them from here loads these modules only, not the whole package
 * (about 45 ms less CPU per worker start, which a cold parallel pass pays for every worker).
 * Everything here is also exported by `@sd/core`; a module that runs in both threads imports it
 * from here.
 *
 * @example
 * ```ts
 * // parse-worker.ts
 * import { rangeItemTransfer, rangeStream, serveWorker } from '@sd/core/text-worker'
 * serveWorker({ stream: rangeStream(parseRange), transfer: rangeItemTransfer })
 * ```
 */

export {
  BatchBuilder,
  BOOL_KIND,
  FLOAT64_KIND,
  INT32_KIND,
  INT64_KIND,
  JSON_KIND,
  STRING_KIND,
} from './columns/batch-builder.js'
export type { Field } from './columns/types.js'
export { type ErrorLocation, FormatError, SdError } from './errors.js'
export type { RecordCounters } from './instruments.js'
export type { RangeEnd, RangeItem, TextPosition, TextRange } from './io/text/parallel-text.js'
export {
  RangeItems,
  rangeItemTransfer,
  rangeStream,
  type TextRangePayload,
} from './io/text/range-items.js'
export { firstInvalidUtf8 } from './io/text/utf8.js'
export type { Int64Option } from './option-validators.js'
export { RecordBatch } from './record-batch.js'
export { serveWorker } from './workers/serve.js'
