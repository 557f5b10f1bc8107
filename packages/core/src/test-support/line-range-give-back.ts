// A worker of the parallelText tests that hands each range's buffer back with its end.

import type { RangeItem } from '../io/text/parallel-text.js'
import { RangeItems, rangeItemTransfer, rangeStream } from '../io/text/range-items.js'
import { serveWorker } from '../workers/serve.js'
import { type LinePayload, type LineTask, parseLines } from './line-ranges.js'

serveWorker<LineTask, RangeItem<LinePayload>>({
  stream: rangeStream(function* ({ range }: LineTask): Generator<RangeItem<LinePayload>> {
    const { values, stop, lines } = parseLines(range.bytes, range.base, range.start, range.limit)
    if (values.length > 0) yield { type: 'item', payload: { values, thread: 1 } }
    yield new RangeItems().end(range, stop, lines, values.length)
  }),
  transfer: rangeItemTransfer,
})
