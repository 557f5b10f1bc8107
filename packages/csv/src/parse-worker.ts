import { type RangeItem, rangeItemTransfer, rangeStream, serveWorker, type TextRangePayload } from '@sd/core'
import { type CsvRangeTask, parseCsvRange } from './range-task.js'

/** The worker thread of parallel CSV parsing: parses the ranges the loader sends. */
serveWorker<CsvRangeTask, RangeItem<TextRangePayload>>({
  stream: rangeStream(parseCsvRange),
  transfer: rangeItemTransfer,
})
