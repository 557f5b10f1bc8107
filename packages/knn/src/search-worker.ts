// The body of a search worker: scans the rows it is given with this thread's kernel.
import { serveWorker } from '@sd/core'
import { scanGroups } from './ivf-scan.js'
import { threadKernel } from './kernel.js'
import { type Heaps, scanList, scanRange } from './scan.js'
import type { ScanReply, WorkerRequest } from './worker-protocol.js'

serveWorker<WorkerRequest, ScanReply>({
  run(task) {
    if ('kind' in task) {
      const { scores, ids } = scanGroups(threadKernel(), task.scan, task.groups)
      return { scores, ids, maxSquaredNorm: 0 }
    }
    const rows = {
      vectors: task.vectors,
      dimension: task.dimension,
      norms: task.norms,
      mask: task.mask,
      rowBase: task.rowBase,
    }
    const kernel = threadKernel()
    const { metric, k, queries, start, end, fastL2 } = task
    const heaps: Heaps = task.list
      ? scanList(kernel, metric, k, queries, rows, task.list, start, end, fastL2)
      : scanRange(kernel, metric, k, queries, rows, start, end, fastL2)
    return { scores: heaps.scores, ids: heaps.ids, maxSquaredNorm: heaps.maxSquaredNorm ?? 0 }
  },
  transfer: (reply) => [reply.scores.buffer as ArrayBuffer, reply.ids.buffer as ArrayBuffer],
})
