import { WorkerPool as CoreWorkerPool, workerModule } from '@sd/core'
import type { GroupHeaps } from './ivf-scan.js'
import type { Heaps } from './scan.js'
import type { GroupScanRequest, ScanReply, ScanRequest, WorkerRequest } from './worker-protocol.js'

/**
 * The search workers of an index: core's worker pool running `search-worker`, started on the first
 * large search. A worker that crashes fails the search with `WORKER_CRASHED` and closes the pool;
 * an aborted search closes it too, so no worker goes on scanning for nobody. A closed pool is
 * replaced by a new one on the next search.
 */
export class WorkerPool {
  private pool: CoreWorkerPool<WorkerRequest, ScanReply> | undefined

  constructor(readonly size: number) {}

  /** Workers running now. */
  get running(): number {
    return this.pool?.running ?? 0
  }

  private current(): CoreWorkerPool<WorkerRequest, ScanReply> {
    if (!this.pool || this.pool.closed)
      this.pool = new CoreWorkerPool<WorkerRequest, ScanReply>({
        module: workerModule(import.meta.url, 'search-worker'),
        size: this.size,
        name: 'knn search',
      })
    return this.pool
  }

  /** Runs the scans, spread over the workers, and resolves with their top-k lists in order. */
  async run(tasks: ScanRequest[], signal?: AbortSignal): Promise<Heaps[]> {
    const pool = this.current()
    return Promise.all(
      tasks.map(async (task) => {
        const what = `scanning ${task.list ? 'listed ' : ''}rows ${task.start} to ${task.end} for ${task.queries.length / task.dimension} queries`
        const reply = await pool.run(task, signal ? { what, signal } : { what })
        const nq = task.queries.length / task.dimension
        return { nq, k: task.k, scores: reply.scores, ids: reply.ids, maxSquaredNorm: reply.maxSquaredNorm }
      }),
    )
  }

  /** Runs IVF group scans, spread over the workers, and resolves with their top-k lists in order. */
  async runGroups(tasks: GroupScanRequest[], signal?: AbortSignal): Promise<GroupHeaps[]> {
    const pool = this.current()
    return Promise.all(
      tasks.map(async (task) => {
        const what = `scanning ${task.groups.length} inverted lists`
        const reply = await pool.run(task, signal ? { what, signal } : { what })
        return { scores: reply.scores, ids: reply.ids }
      }),
    )
  }

  /** Stops every worker (resolves when they have exited). */
  async close(): Promise<void> {
    const pool = this.pool
    this.pool = undefined
    await pool?.close()
  }
}
