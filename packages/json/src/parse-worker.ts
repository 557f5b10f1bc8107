import {
  type RangeItem,
  rangeItemTransfer,
  rangeStream,
  serveWorker,
  type TextRangePayload,
} from '@sd/core/text-worker'
import { type NdjsonRangeTask, parseNdjsonRange } from './range-task.js'

/** The worker thread of parallel NDJSON parsing: parses the ranges the loader sends. */
serveWorker<NdjsonRangeTask, RangeItem<TextRangePayload>>({
  stream: rangeStream(parseNdjsonRange),
  transfer: rangeItemTransfer,
})
