import { type RangeItem, rangeItemTransfer, serveWorker, type TextRangePayload } from '@sd/core'
import { type CsvRangeTask, parseCsvRange } from './range-task.js'

/** The worker thread of parallel CSV parsing: parses the ranges the loader sends. */
serveWorker<CsvRangeTask, RangeItem<TextRangePayload>>({
  stream: (task) => parseCsvRange(task),
  transfer: rangeItemTransfer,
})
