// A worker for the parallel text tests: reads a range of a file of one number per line.
import {
  type RangeItem,
  RangeItems,
  RecordBatch,
  rangeItemTransfer,
  serveWorker,
  type TextRange,
  type TextRangePayload,
} from '../index.js'

export interface LineTask {
  range: TextRange
  /** Hand the range's buffer back with its end. */
  giveBack: boolean
}

serveWorker<LineTask, RangeItem<TextRangePayload>>({
  *stream({ range, giveBack }) {
    const items = new RangeItems()
    const values: number[] = []
    let pos = range.start
    while (pos < range.limit) {
      const lf = range.bytes.indexOf(10, pos - range.base)
      if (lf < 0) break
      values.push(Number(new TextDecoder().decode(range.bytes.subarray(pos - range.base, lf))))
      pos = range.base + lf + 1
    }
    const batch = items.batch(RecordBatch.fromColumns({ n: Float64Array.from(values) }))
    if (batch) yield batch
    if (giveBack) yield items.end(range, pos, values.length, values.length)
    else yield { type: 'end', stop: pos, lines: values.length, rows: values.length }
  },
  transfer: rangeItemTransfer,
})
