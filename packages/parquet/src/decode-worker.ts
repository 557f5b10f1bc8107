// The body of a Parquet decode worker: decodes the row groups it is sent into sd's column layout
// and sends the pieces back, a few to a message, with their buffers transferred.
import { serveWorker } from '@sd/core'
import type { DecodeTask } from './decode-task.js'
import { groupPieces, type PieceGroup } from './piece-groups.js'
import { decodeTask } from './worker-decode.js'

serveWorker<DecodeTask, PieceGroup>({
  stream: (task, ctx) => groupPieces(decodeTask(task, ctx.signal)),
  transfer: (group) => group.transfer,
})
