import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import { errorToMessage } from './error-message.js'
import type { FromWorker, ToWorker } from './protocol.js'

/** What a task handler receives besides its task. */
export interface TaskContext {
  /** Aborted when the pool cancels the task (its consumer left) or closes. */
  readonly signal: AbortSignal
  /** The `workerData` the pool started this worker with. */
  readonly workerData: unknown
}

/**
 * The body of a worker: how to run one task (`run` for one result, `stream` for several), and
 * which buffers of a result to transfer. A thrown `SdError` reaches the pool's caller with its
 * class, code and location.
 */
export type WorkerHandler<T = unknown, R = unknown> = (
  | {
      /** Runs one task to one result. */
      run(task: T, ctx: TaskContext): Promise<R> | R
      stream?: undefined
    }
  | {
      /**
       * Runs one task to several results, sent to the pool as they come, no further than the
       * pool's window ahead of its consumer.
       */
      stream(task: T, ctx: TaskContext): AsyncIterable<R> | Iterable<R>
      run?: undefined
    }
) & {
  /** The `ArrayBuffer`s of `value` to transfer rather than copy (they are detached here after). */
  transfer?(value: R): ArrayBuffer[]
}

interface Running {
  controller: AbortController
  /** Items the pool allows beyond those sent. */
  credit: number
  wake: (() => void) | undefined
}

/**
 * Serves tasks of a {@link WorkerPool} in this worker thread: tasks run one after another, in the
 * order they arrive; results go back with their buffers transferred.
 *
 * @example
 * ```ts
 * // square-worker.ts
 * serveWorker<number, Float64Array>({
 *   run: (n) => Float64Array.from({ length: n }, (_, i) => i * i),
 *   transfer: (values) => [values.buffer as ArrayBuffer],
 * })
 * ```
 */
export function serveWorker<T, R>(handler: WorkerHandler<T, R>, port: MessagePort | null = parentPort): void {
  if (!port) throw new Error('serveWorker runs in a worker thread')
  const running = new Map<number, Running>()
  const queue: { id: number; task: T }[] = []
  let busy = false
  const post = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer ?? [])

  const runOne = async (id: number, task: T, state: Running) => {
    const ctx: TaskContext = { signal: state.controller.signal, workerData }
    try {
      if (handler.stream) {
        for await (const value of handler.stream(task, ctx)) {
          if (state.controller.signal.aborted) return
          while (state.credit <= 0 && !state.controller.signal.aborted) {
            await new Promise<void>((resolve) => {
              state.wake = resolve
            })
            state.wake = undefined
          }
          if (state.controller.signal.aborted) return
          state.credit--
          post({ type: 'item', id, value }, handler.transfer?.(value))
        }
      } else {
        const value = await handler.run(task, ctx)
        if (state.controller.signal.aborted) return
        post({ type: 'item', id, value }, handler.transfer?.(value))
      }
      post({ type: 'done', id })
    } catch (err) {
      if (!state.controller.signal.aborted) post({ type: 'error', id, error: errorToMessage(err) })
    }
  }

  const drain = async () => {
    if (busy) return
    busy = true
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const state = running.get(next.id)
        if (!state) continue
        await runOne(next.id, next.task, state)
        running.delete(next.id)
      }
    } finally {
      busy = false
    }
  }

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'task':
        running.set(message.id, {
          controller: new AbortController(),
          credit: message.window,
          wake: undefined,
        })
        queue.push({ id: message.id, task: message.task as T })
        void drain()
        break
      case 'credit': {
        const state = running.get(message.id)
        if (!state) break
        state.credit += message.n
        state.wake?.()
        break
      }
      case 'cancel': {
        const state = running.get(message.id)
        if (!state) break
        running.delete(message.id)
        state.controller.abort()
        state.wake?.()
        break
      }
    }
  })
  // the module that calls this has loaded: tell the pool this thread is warm
  post({ type: 'ready' })
}
