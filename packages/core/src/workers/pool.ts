import type { ResourceLimits, Worker } from 'node:worker_threads'
import { abortErrorFrom, type ErrorLocation, SdError, StateError, ValidationError } from '../errors.js'
import { errorFromMessage } from './error-message.js'
import type { FromWorker, ToWorker } from './protocol.js'
import { spawnWorker } from './spawn.js'

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** The worker module: it calls `serveWorker` (see {@link workerModule} for finding it). */
  module: URL
  /** Number of worker threads (started together, on the first task). */
  size: number
  /** What the pool does, for error messages: `'parquet decode'`. */
  name: string
  /** `workerData` of every worker. */
  workerData?: unknown
  /** Results a streaming task may send ahead of its consumer. Default 2. */
  window?: number
  /**
   * V8 heap limits of every worker (`worker_threads` `resourceLimits`). A small young generation
   * (`maxYoungGenerationSizeMb`) makes a worker collect its garbage, and free the buffers it
   * dropped, more often: its memory stays bounded by its work rather than growing with the pass.
   */
  resourceLimits?: ResourceLimits
}

/** Options of one task. */
export interface TaskOptions {
  /** Buffers of the task message to transfer to the worker rather than copy. */
  transfer?: readonly ArrayBuffer[]
  /** What the task does, for error messages: `'decoding row group 3 of data.parquet'`. */
  what?: string
  /**
   * Where the task works (`{ file, rowGroup }`): a crash of its worker while it is under way, or an
   * error it throws that is not an `SdError`, fails it with an `SdError` at this location.
   */
  location?: ErrorLocation
  /** Aborting it fails the task with an `AbortError` and closes the pool. */
  signal?: AbortSignal
  /** Results this task may send ahead of its consumer (default: the pool's `window`). */
  window?: number
}

/** A task for {@link WorkerPool.map}: the message and its options. */
export interface PoolTask<T> extends TaskOptions {
  task: T
  /** Bytes the task holds while under way, counted against the `budget` of {@link WorkerPool.map}. */
  cost?: number
}

interface Slot {
  index: number
  worker: Worker | undefined
  ready: Promise<Worker>
  /** The worker's module has loaded (it sent `ready`). */
  loaded: boolean
  active: number
}

interface TaskState {
  id: number
  slot: Slot
  what: string
  location: ErrorLocation | undefined
  items: unknown[]
  done: boolean
  error: SdError | undefined
  wake: (() => void) | undefined
  /** The caller's signal, if any. */
  signal: AbortSignal | undefined
}

/**
 * A fixed set of worker threads running one module, for work that decodes or parses in parallel.
 * Tasks go to the least busy worker; each worker runs its tasks one after another. Results come
 * back with their buffers transferred; a task may stream several results, no more than `window`
 * ahead of its consumer. {@link WorkerPool.map} runs a sequence of tasks with a bounded number in
 * flight and yields their results in task order.
 *
 * A worker that crashes (an uncaught error, an exit, out of memory) fails every task in flight with
 * an `SdError` `WORKER_CRASHED` naming the pool, the worker and what its task was doing, and the
 * pool closes: no worker is left running. Errors a task throws reach its caller as the same
 * `SdError` class, code and location. `close()` terminates every worker; so does an aborted task
 * signal, unless tasks of other callers (without that signal) are under way: then only the
 * aborted caller's tasks fail, and are cancelled in their workers, and the others go on.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool<number, Float64Array>({ module: workerModule(import.meta.url, 'square-worker'), size: 2, name: 'squares' })
 * try {
 *   for await (const squares of pool.map([1e6, 2e6, 3e6].map((n) => ({ task: n, what: `squaring ${n}` }))))
 *     console.log(squares.length)
 * } finally {
 *   await pool.close()
 * }
 * ```
 */
export class WorkerPool<T = unknown, R = unknown> {
  static #live = 0

  /** Worker threads of every pool in this thread that have started and not yet exited. */
  static get liveThreads(): number {
    return WorkerPool.#live
  }

  readonly size: number
  readonly name: string
  readonly #options: WorkerPoolOptions
  readonly #window: number
  #slots: Slot[] = []
  readonly #tasks = new Map<number, TaskState>()
  #nextId = 0
  #closed = false
  #closing: Promise<void> | undefined
  #failure: SdError | undefined

  constructor(options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new ValidationError(`A worker pool needs at least one worker, got size ${options.size}`, {
        code: 'INVALID_OPTION',
      })
    }
    const window = options.window ?? 2
    if (!Number.isInteger(window) || window < 1) {
      throw new ValidationError(`window must be a positive integer, got ${window}`, {
        code: 'INVALID_OPTION',
      })
    }
    this.size = options.size
    this.name = options.name
    this.#options = options
    this.#window = window
  }

  /** Worker threads alive now (0 before the first task and after `close()`). */
  get running(): number {
    return this.#slots.filter((s) => s.worker !== undefined).length
  }

  /**
   * True once every worker thread has started and loaded its module (the first tasks of a new
   * pool wait for that: a caller with work of its own may do it meanwhile).
   */
  get warm(): boolean {
    return this.#slots.length > 0 && this.#slots.every((s) => s.loaded)
  }

  /** True once closed (by `close()`, a crash or an abort). */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Starts the worker threads now rather than on the first task, so that they load their module
   * while the caller prepares the work. Does nothing once started or closed.
   */
  start(): void {
    if (!this.#closed && this.#slots.length === 0) this.#start()
  }

  /** Runs a task that returns one result. */
  async run(task: T, options: TaskOptions = {}): Promise<R> {
    const it = this.stream(task, options)
    const first = await it.next()
    const rest = first.done ? first : await it.next()
    if (first.done || !rest.done) {
      await it.return()
      throw new SdError(
        `Expected one result from ${options.what ?? 'the task'} in the ${this.name} pool, got ${first.done ? 'none' : 'several'}`,
        { code: 'WORKER_CRASHED' },
      )
    }
    return first.value
  }

  /**
   * Runs a task whose results stream back, in order. Leaving the loop early cancels the task in
   * its worker.
   */
  stream(
    task: T,
    options: TaskOptions = {},
  ): AsyncIterableIterator<R> & { return(): Promise<IteratorResult<R>> } {
    if (this.#failure) throw this.#failure
    if (this.#closed) {
      throw new StateError(`The ${this.name} worker pool is closed`, { code: 'CLOSED' })
    }
    const { signal } = options
    if (signal?.aborted) throw abortErrorFrom(signal)
    const window = options.window ?? this.#window
    if (!Number.isInteger(window) || window < 1) {
      throw new ValidationError(`window must be a positive integer, got ${window}`, {
        code: 'INVALID_OPTION',
      })
    }
    if (this.#slots.length === 0) this.#start()
    const slot = this.#slots.reduce((a, b) => (b.active < a.active ? b : a))
    const id = this.#nextId++
    const state: TaskState = {
      id,
      slot,
      what: options.what ?? 'running a task',
      location: options.location,
      items: [],
      done: false,
      error: undefined,
      wake: undefined,
      signal,
    }
    this.#tasks.set(id, state)
    slot.active++
    slot.worker?.ref()
    const transfer = [...(options.transfer ?? [])]
    // credit goes back in batches of half the window: a message per result consumed would wake
    // the worker (and cost this thread a context switch) for every result
    const creditBatch = Math.ceil(window / 2)
    let owed = 0
    void slot.ready.then(
      (worker) => {
        if (this.#tasks.has(id)) this.#post(worker, { type: 'task', id, task, window }, transfer)
      },
      () => undefined,
    )
    const onAbort = () => {
      const error = abortErrorFrom(signal as AbortSignal)
      // tasks of other callers (a pool shared by several passes) go on: only this one fails, and
      // is cancelled in its worker; with no other caller's task left, the pool closes
      let others = false
      for (const s of this.#tasks.values()) if (s.signal !== signal && !s.done && !s.error) others = true
      if (!others) {
        this.#fail(error)
        return
      }
      if (!state.done && !state.error) {
        state.error = error
        if (slot.worker) this.#post(slot.worker, { type: 'cancel', id })
      }
      state.wake?.()
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const finish = () => {
      signal?.removeEventListener('abort', onAbort)
      if (!this.#tasks.delete(id)) return
      slot.active--
      if (slot.active === 0) slot.worker?.unref()
      if (!state.done && !state.error && slot.worker) this.#post(slot.worker, { type: 'cancel', id })
    }
    const next = async (): Promise<IteratorResult<R>> => {
      for (;;) {
        if (state.error) {
          finish()
          throw state.error
        }
        if (state.items.length > 0) {
          const value = state.items.shift() as R
          owed++
          if (owed >= creditBatch && !state.done && slot.worker) {
            this.#post(slot.worker, { type: 'credit', id, n: owed })
            owed = 0
          }
          return { done: false, value }
        }
        if (state.done) {
          finish()
          return { done: true, value: undefined }
        }
        await new Promise<void>((resolve) => {
          state.wake = resolve
        })
        state.wake = undefined
      }
    }
    const iterator = {
      next,
      async return(): Promise<IteratorResult<R>> {
        finish()
        return { done: true, value: undefined }
      },
      [Symbol.asyncIterator]() {
        return iterator
      },
    }
    return iterator
  }

  /**
   * Runs tasks from `tasks` with at most `maxInFlight` (default twice the pool size) started
   * ahead of the consumer, and yields every result in task order (a streaming task's results
   * before the next task's). With a `budget`, the tasks under way (the one being consumed
   * included) also hold at most that many bytes by their `cost`; the first always starts, whatever
   * its cost, and a task that does not fit waits, taken from `tasks` but not started, until those
   * before it finish. Leaving the loop early cancels the tasks under way.
   */
  async *map(
    tasks: Iterable<PoolTask<T>> | AsyncIterable<PoolTask<T>>,
    options: { maxInFlight?: number; budget?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<R> {
    const maxInFlight = options.maxInFlight ?? this.size * 2
    const budget = options.budget ?? Number.POSITIVE_INFINITY
    const source =
      Symbol.asyncIterator in tasks
        ? (tasks as AsyncIterable<PoolTask<T>>)[Symbol.asyncIterator]()
        : (tasks as Iterable<PoolTask<T>>)[Symbol.iterator]()
    const inFlight: { stream: ReturnType<WorkerPool<T, R>['stream']>; cost: number }[] = []
    let held = 0
    let waiting: PoolTask<T> | undefined
    let exhausted = false
    const fill = async () => {
      while (inFlight.length < maxInFlight) {
        let next = waiting
        waiting = undefined
        if (!next) {
          if (exhausted) break
          const pulled = await source.next()
          if (pulled.done) {
            exhausted = true
            break
          }
          next = pulled.value
        }
        const { task, cost = 0, ...rest } = next
        if (inFlight.length > 0 && held + cost > budget) {
          waiting = next
          break
        }
        const signal = rest.signal ?? options.signal
        inFlight.push({ stream: this.stream(task, signal ? { ...rest, signal } : rest), cost })
        held += cost
      }
    }
    try {
      await fill()
      while (inFlight.length > 0) {
        const current = inFlight[0] as (typeof inFlight)[number]
        for (;;) {
          const result = await current.stream.next()
          if (result.done) break
          yield result.value
        }
        inFlight.shift()
        held -= current.cost
        await fill()
      }
    } finally {
      for (const s of inFlight) await s.stream.return()
      if (!exhausted) await source.return?.()
    }
  }

  /**
   * Terminates every worker; tasks still under way fail with a `StateError` (`CLOSED`). Resolves
   * when every thread has exited (however many times it is called, and whoever closed first).
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true
      this.#failTasks(new StateError(`The ${this.name} worker pool was closed`, { code: 'CLOSED' }))
    }
    this.#closing ??= this.#terminate()
    return this.#closing
  }

  async #terminate(): Promise<void> {
    const slots = this.#slots
    this.#slots = []
    await Promise.all(
      slots.map(async (slot) => {
        const worker = slot.worker ?? (await slot.ready.catch(() => undefined))
        slot.worker = undefined
        await worker?.terminate()
      }),
    )
  }

  #start(): void {
    for (let index = 0; index < this.size; index++) {
      const slot: Slot = {
        index,
        worker: undefined,
        ready: Promise.resolve(undefined as never),
        loaded: false,
        active: 0,
      }
      slot.ready = spawnWorker(this.#options.module, {
        workerData: this.#options.workerData,
        name: `${this.name} ${index}`,
        ...(this.#options.resourceLimits ? { resourceLimits: this.#options.resourceLimits } : {}),
      }).then(
        (worker) => {
          if (this.#closed) {
            WorkerPool.#live++
            worker.once('exit', () => {
              WorkerPool.#live--
            })
            void worker.terminate()
            return worker
          }
          slot.worker = worker
          WorkerPool.#live++
          worker.once('exit', () => {
            WorkerPool.#live--
          })
          if (slot.active === 0) worker.unref()
          worker.on('message', (message: FromWorker) => {
            if (message.type === 'ready') slot.loaded = true
            else this.#onMessage(message)
          })
          worker.on('error', (err) => this.#crash(slot, err.message, err))
          worker.on('messageerror', (err) =>
            this.#crash(slot, `a message could not be read (${err.message})`, err),
          )
          worker.on('exit', (code) => {
            if (slot.worker === worker) this.#crash(slot, `it exited with code ${code}`)
          })
          return worker
        },
        (err: unknown) => {
          this.#crash(slot, `it could not start (${err instanceof Error ? err.message : String(err)})`, err)
          throw err
        },
      )
      slot.ready.catch(() => undefined)
      this.#slots.push(slot)
    }
  }

  #post(worker: Worker, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    try {
      worker.postMessage(message, transfer)
    } catch {
      // the worker is gone: its exit handler fails the pool
    }
  }

  #onMessage(message: Exclude<FromWorker, { type: 'ready' }>): void {
    const state = this.#tasks.get(message.id)
    if (!state) return
    switch (message.type) {
      case 'item':
        state.items.push(message.value)
        break
      case 'done':
        state.done = true
        break
      case 'error':
        state.error =
          errorFromMessage(message.error) ??
          new SdError(
            `The ${this.name} worker failed while ${state.what}: ${message.error.name}: ${message.error.message}`,
            { code: 'WORKER_CRASHED', ...(state.location ? { location: state.location } : {}) },
          )
        break
    }
    state.wake?.()
  }

  #crash(slot: Slot, detail: string, cause?: unknown): void {
    if (this.#closed) return
    // the worker runs its tasks one after another: the first of its tasks it has not finished
    // (one finished may wait for its consumer) is the one it was on
    let doing: TaskState | undefined
    for (const state of this.#tasks.values()) {
      if (state.slot === slot && !state.done && !state.error) {
        doing = state
        break
      }
    }
    const error = new SdError(
      `Worker ${slot.index} of the ${this.name} pool crashed${doing ? ` while ${doing.what}` : ''}: ${detail}`,
      {
        code: 'WORKER_CRASHED',
        ...(cause === undefined ? {} : { cause }),
        ...(doing?.location ? { location: doing.location } : {}),
      },
    )
    this.#fail(error)
  }

  /** Fails every task with `error` and closes the pool. */
  #fail(error: SdError): void {
    if (this.#closed) return
    this.#failure = error
    this.#failTasks(error)
    void this.close()
  }

  #failTasks(error: SdError): void {
    for (const state of this.#tasks.values()) {
      if (!state.error && !state.done) state.error = error
      state.wake?.()
    }
  }
}
