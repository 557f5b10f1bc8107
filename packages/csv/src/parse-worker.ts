import { type RangeItem, serveWorker } from '@sd/core'
import { type CsvRangePayload, type CsvRangeTask, itemTransfers, parseCsvRange } from './range-task.js'

/** The worker thread of parallel CSV parsing: parses the ranges the loader sends. */
serveWorker<CsvRangeTask, RangeItem<CsvRangePayload>>({
  stream: (task) => parseCsvRange(task),
  transfer: (item) => itemTransfers.get(item) ?? [],
})
