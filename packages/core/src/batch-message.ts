import { reviveColumn } from './columns/column-data.js'
import { columnToMessage } from './columns/transfer.js'
import type { Field } from './columns/types.js'
import { RecordBatch, type Row } from './record-batch.js'

/** A {@link RecordBatch} as a worker message: plain fields and buffers, no classes. */
export interface BatchMessage {
  numRows: number
  schema: Field[]
  columns: Record<string, unknown>[]
}

/**
 * A batch as a message for `postMessage`, with the `ArrayBuffer`s to transfer (not copy). After
 * the call the transferred buffers belong to the receiver: do not use the batch again.
 *
 * @example
 * ```ts
 * // in a worker
 * const { message, transfer } = batchToMessage(batch)
 * parentPort.postMessage(message, transfer)
 * // in the main thread
 * worker.on('message', (m) => use(batchFromMessage(m)))
 * ```
 */
export function batchToMessage(batch: RecordBatch): { message: BatchMessage; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = []
  const columns = batch.schema.map((f) => columnToMessage(batch.data(f.name), transfer))
  return { message: { numRows: batch.numRows, schema: batch.schema, columns }, transfer }
}

/** The batch a {@link batchToMessage} message carries. */
export function batchFromMessage<R extends Row = Row>(message: BatchMessage): RecordBatch<R> {
  return RecordBatch.fromData<R>(
    message.schema,
    message.columns.map((c) => reviveColumn(c)),
  )
}
