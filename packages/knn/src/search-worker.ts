// The body of a search worker: scans the rows it is given with this thread's kernel.
import { parentPort } from 'node:worker_threads'
import { threadKernel } from './kernel.js'
import { type Heaps, scanList, scanRange } from './scan.js'
import type { ScanReply, ScanRequest } from './worker-protocol.js'

const port = parentPort
if (!port) throw new Error('search-worker.ts runs in a worker thread')

port.on('message', (task: ScanRequest) => {
  let reply: ScanReply
  try {
    const rows = {
      vectors: task.vectors,
      dimension: task.dimension,
      norms: task.norms,
      mask: task.mask,
    }
    const heaps: Heaps = task.list
      ? scanList(
          threadKernel(),
          task.metric,
          task.k,
          task.queries,
          rows,
          task.list,
          task.start,
          task.end,
          task.fastL2,
        )
      : scanRange(threadKernel(), task.metric, task.k, task.queries, rows, task.start, task.end, task.fastL2)
    reply = { id: task.id, ok: true, scores: heaps.scores, ids: heaps.ids }
    port.postMessage(reply, [heaps.scores.buffer as ArrayBuffer, heaps.ids.buffer as ArrayBuffer])
  } catch (error) {
    reply = { id: task.id, ok: false, message: error instanceof Error ? error.message : String(error) }
    port.postMessage(reply)
  }
})
