import { takeColumn } from '../columns/take.js'
import { RecordBatch, type Row } from '../record-batch.js'

/** The rows of `batch` that `indices` names, in that order (buffers copied). */
export function takeRows<R extends Row>(batch: RecordBatch<R>, indices: Int32Array): RecordBatch<R> {
  return RecordBatch.fromData<R>(
    batch.schema,
    batch.columns().map((column) => takeColumn(column, indices)),
  )
}
