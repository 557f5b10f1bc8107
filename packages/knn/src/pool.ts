import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { abortErrorFrom, type SdError } from '@sd/core'
import { workerCrashed } from './errors.js'
import type { Heaps } from './scan.js'
import type { ScanReply, ScanRequest } from './worker-protocol.js'

/**
 * A new search worker: the compiled `search-worker.js` beside this file, or, when running from the
 * TypeScript sources (tests, benchmarks), `search-worker.ts` loaded through tsx's loader.
 */
function startWorker(): Worker {
  const here = import.meta.url
  if (!here.endsWith('.ts')) return new Worker(new URL('./search-worker.js', here))
  const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'))
  const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href
  const entry = new URL('./search-worker.ts', here).href
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(boot, { eval: true })
}

interface Pending {
  resolve: (heaps: Heaps) => void
  reject: (error: SdError) => void
  nq: number
  k: number
}

/**
 * A fixed set of search workers, started on first use. A worker that dies or errors fails every scan
 * in flight with `WORKER_CRASHED` and the whole pool is stopped (the next search starts a new one);
 * an aborted search stops the pool too, so no worker goes on scanning for nobody.
 */
export class WorkerPool {
  private workers: Worker[] = []
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private turn = 0

  constructor(readonly size: number) {}

  /** Workers running now. */
  get running(): number {
    return this.workers.length
  }

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = startWorker()
      worker.unref()
      worker.on('message', (reply: ScanReply) => this.settle(reply))
      worker.on('error', (error) => this.fail(workerCrashed(error.message, error)))
      worker.on('exit', (code) => {
        if (this.workers.includes(worker)) this.fail(workerCrashed(`a worker exited with code ${code}`))
      })
      this.workers.push(worker)
    }
  }

  private settle(reply: ScanReply): void {
    const task = this.pending.get(reply.id)
    if (!task) return
    this.pending.delete(reply.id)
    if (reply.ok) task.resolve({ nq: task.nq, k: task.k, scores: reply.scores, ids: reply.ids })
    else task.reject(workerCrashed(reply.message))
  }

  private fail(error: SdError): void {
    const tasks = [...this.pending.values()]
    this.pending.clear()
    void this.close()
    for (const task of tasks) task.reject(error)
  }

  /** Runs the scans, one per worker in turn, and resolves with their top-k lists in order. */
  run(tasks: Omit<ScanRequest, 'id'>[], signal?: AbortSignal): Promise<Heaps[]> {
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal))
    if (this.workers.length === 0) this.start()
    const promises = tasks.map(
      (task) =>
        new Promise<Heaps>((resolve, reject) => {
          const id = this.nextId++
          this.pending.set(id, { resolve, reject, nq: task.queries.length / task.dimension, k: task.k })
          const worker = this.workers[this.turn++ % this.workers.length] as Worker
          worker.ref()
          worker.postMessage({ ...task, id } satisfies ScanRequest)
        }),
    )
    const all = Promise.all(promises).finally(() => {
      if (this.pending.size === 0) for (const w of this.workers) w.unref()
    })
    if (!signal) return all
    return new Promise<Heaps[]>((resolve, reject) => {
      const onAbort = () => this.fail(abortErrorFrom(signal))
      signal.addEventListener('abort', onAbort, { once: true })
      all.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  /** Stops every worker (resolves when they have exited). */
  async close(): Promise<void> {
    const workers = this.workers
    this.workers = []
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
