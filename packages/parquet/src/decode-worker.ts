// The body of a Parquet decode worker: decodes the row groups it is sent into sd's column layout
// and sends the pieces back with their buffers transferred.
import { serveWorker } from '@sd/core'
import type { DecodeTask, PieceMessage } from './decode-task.js'
import { decodeTask } from './worker-decode.js'

serveWorker<DecodeTask, { message: PieceMessage; transfer: ArrayBuffer[] }>({
  stream: (task, ctx) => decodeTask(task, ctx.signal),
  transfer: (piece) => piece.transfer,
})
