import { WorkerPool, type WorkerPoolOptions } from './pool.js'

/** A pool borrowed from {@link leasePool}; give it back with `release`. */
export interface PoolLease<T, R> {
  readonly pool: WorkerPool<T, R>
  /**
   * Gives the pool back. `'done'`: the work finished; the pool stays warm for the next lease and
   * closes after `idleMs` without one. `'stopped'` (a break, an error, an abort): the pool closes
   * now unless another lease holds it. Resolves once closed, when it closes.
   */
  release(outcome: 'done' | 'stopped'): Promise<void>
}

interface Entry {
  pool: WorkerPool<unknown, unknown>
  leases: number
  timer: ReturnType<typeof setTimeout> | undefined
}

const shared = new Map<string, Entry>()

/**
 * A worker pool shared by the passes of this thread that ask for the same module, size and name,
 * kept warm between passes: starting threads and warming their compiler costs more than a short
 * pass decodes. Idle threads never keep the process alive, and close after `idleMs` (default 2 s)
 * without a lease; a pass that stops early, fails or is aborted closes them at once.
 *
 * @example
 * ```ts
 * const lease = leasePool<Task, Result>({ module, size: 2, name: 'decode' })
 * let outcome: 'done' | 'stopped' = 'stopped'
 * try {
 *   for await (const r of lease.pool.map(tasks)) use(r)
 *   outcome = 'done'
 * } finally {
 *   await lease.release(outcome)
 * }
 * ```
 */
export function leasePool<T, R>(options: WorkerPoolOptions, idleMs = 2000): PoolLease<T, R> {
  const key = `${options.module.href}|${options.size}|${options.name}|${JSON.stringify(options.resourceLimits ?? {})}`
  let entry = shared.get(key)
  if (!entry || entry.pool.closed) {
    entry = { pool: new WorkerPool(options), leases: 0, timer: undefined }
    shared.set(key, entry)
  }
  const held = entry
  if (held.timer) clearTimeout(held.timer)
  held.timer = undefined
  held.leases++
  let released = false
  return {
    pool: held.pool as WorkerPool<T, R>,
    release(outcome) {
      if (released) return Promise.resolve()
      released = true
      held.leases--
      if (held.leases > 0) return Promise.resolve()
      if (outcome === 'stopped' || held.pool.closed) {
        if (shared.get(key) === held) shared.delete(key)
        return held.pool.close()
      }
      held.timer = setTimeout(() => {
        if (held.leases > 0) return
        if (shared.get(key) === held) shared.delete(key)
        void held.pool.close()
      }, idleMs)
      held.timer.unref()
      return Promise.resolve()
    },
  }
}

/** Closes every shared pool now (idle or not); resolves when their threads have exited. */
export async function closeSharedPools(): Promise<void> {
  const entries = [...shared.values()]
  shared.clear()
  for (const e of entries) if (e.timer) clearTimeout(e.timer)
  await Promise.all(entries.map((e) => e.pool.close()))
}
