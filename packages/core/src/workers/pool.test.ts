import { afterEach, describe, expect, it } from 'vitest'
import { AbortError, FormatError, SdError, StateError } from '../errors.js'
import type { PoolTestResult, PoolTestTask } from '../test-support/pool-worker.js'
import { type PoolTask, WorkerPool } from './pool.js'
import { closeSharedPools, leasePool } from './shared.js'

const module = new URL('../test-support/pool-worker.ts', import.meta.url)
const pools: WorkerPool<PoolTestTask, PoolTestResult>[] = []

function pool(size = 2, window?: number) {
  const p = new WorkerPool<PoolTestTask, PoolTestResult>({
    module,
    size,
    name: 'test',
    ...(window ? { window } : {}),
  })
  pools.push(p)
  return p
}

afterEach(async () => {
  for (const p of pools.splice(0)) await p.close()
})

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e,
  )
}

describe('WorkerPool', () => {
  it('is warm once every thread has loaded its module, not before it starts', async () => {
    const p = pool(2)
    expect(p.warm).toBe(false)
    p.start()
    expect(p.warm).toBe(false)
    const deadline = Date.now() + 20_000
    while (!p.warm && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    expect(p.warm).toBe(true)
    expect(p.running).toBe(2)
    // a warm pool runs tasks as before
    expect(Array.from((await p.run({ kind: 'square', n: 3 })).values)).toEqual([0, 1, 4])
  })

  it('map gives results in task order, whatever order workers finish in', async () => {
    const p = pool(2)
    const tasks: PoolTask<PoolTestTask>[] = [40, 5, 30, 1, 20, 2].map((delayMs, i) => ({
      task: { kind: 'square', n: i + 1, delayMs },
      what: `squaring ${i}`,
    }))
    const lengths: number[] = []
    for await (const r of p.map(tasks)) {
      expect(r.values).toBeInstanceOf(Float64Array)
      expect(r.values[r.values.length - 1]).toBe((r.values.length - 1) ** 2)
      lengths.push(r.values.length)
    }
    expect(lengths).toEqual([1, 2, 3, 4, 5, 6])
    expect(p.running).toBe(2)
    expect(WorkerPool.liveThreads).toBe(2)
    await p.close()
    expect(p.running).toBe(0)
    expect(WorkerPool.liveThreads).toBe(0)
  })

  it('transfers task buffers to the worker (detached here) and results back', async () => {
    const p = pool(1)
    const values = Float64Array.from({ length: 1000 }, (_, i) => i)
    const r = await p.run({ kind: 'sum', values }, { transfer: [values.buffer as ArrayBuffer] })
    expect(values.byteLength).toBe(0)
    expect(Array.from(r.values)).toEqual([499_500, 8000])
  })

  it('a streaming task sends no more than the window ahead of its consumer', async () => {
    const p = pool(1, 3)
    const it = p.stream({ kind: 'count', n: 20 })
    const first = await it.next()
    expect(first.value?.values[0]).toBe(0)
    await new Promise((r) => setTimeout(r, 100))
    // consumed 1, window 3: the worker produced at most 4 so far
    const second = await it.next()
    expect(second.value?.produced).toBe(2)
    const seen = [0, 1]
    for await (const r of it) {
      seen.push(r.values[0] as number)
      // never more than the window beyond what was consumed
      expect(r.produced).toBeLessThanOrEqual(seen.length)
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i))
  })

  it("a task's own window overrides the pool's: the worker runs that far ahead, and no further", async () => {
    const p = pool(1, 1)
    const it = p.stream({ kind: 'stamps', n: 12 }, { window: 5 })
    const first = await it.next()
    expect(first.value?.values[0]).toBe(0)
    await new Promise((r) => setTimeout(r, 300))
    const waited = Date.now()
    const made: number[] = []
    for await (const r of it) made[r.values[0] as number] = r.values[1] as number
    expect(made.length).toBe(12)
    // consumed 1 of a window of 5: results 1-5 were made during the wait (5 was made and waited
    // for credit), result 6 only once the consumer took more
    for (let i = 1; i <= 5; i++) expect(made[i]).toBeLessThan(waited)
    expect(made[6]).toBeGreaterThanOrEqual(waited)
  })

  it('starts its workers with the resourceLimits asked for; leased pools with other limits are other pools', async () => {
    const limited = new WorkerPool<PoolTestTask, PoolTestResult>({
      module,
      size: 1,
      name: 'limited',
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    })
    pools.push(limited)
    const r = await limited.run({ kind: 'limits' })
    expect(r.values[0]).toBe(2)
    const plain = await pool(1).run({ kind: 'limits' })
    expect(plain.values[0]).not.toBe(2)
    const options = { module, size: 1, name: 'limits-test' }
    const a = leasePool<PoolTestTask, PoolTestResult>({
      ...options,
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    })
    const b = leasePool<PoolTestTask, PoolTestResult>(options)
    expect(a.pool).not.toBe(b.pool)
    expect((await a.pool.run({ kind: 'limits' })).values[0]).toBe(2)
    await a.release('stopped')
    await b.release('stopped')
  })

  it('refuses a task window that is not a positive integer', () => {
    const p = pool(1)
    expect(() => p.stream({ kind: 'count', n: 1 }, { window: 0 })).toThrow(
      /window must be a positive integer/,
    )
  })

  it('an SdError thrown in a worker arrives with its class, code and location', async () => {
    const p = pool(1)
    const err = await failure(p.run({ kind: 'fail' }))
    expect(err).toBeInstanceOf(FormatError)
    expect((err as FormatError).code).toBe('TEST_BAD')
    expect((err as FormatError).location).toEqual({ file: 'x.bin', byte: 7 })
    expect((err as Error).message).toBe('bad bytes (at file "x.bin", byte 7)')
    // the pool goes on after a task's own error
    expect((await p.run({ kind: 'square', n: 3 })).values.length).toBe(3)
  })

  it.each(['crash', 'exit'] as const)(
    'a worker that dies (%s) fails the tasks with WORKER_CRASHED naming the task, and closes the pool',
    async (kind) => {
      const p = pool(2)
      const tasks: PoolTask<PoolTestTask>[] = [
        { task: { kind: 'square', n: 2 }, what: 'squaring 2' },
        {
          task: { kind },
          what: 'decoding row group 1 of a.parquet',
          location: { file: 'a.parquet', rowGroup: 1 },
        },
        { task: { kind: 'square', n: 3 }, what: 'squaring 3' },
      ]
      const seen: number[] = []
      const err = await failure(
        (async () => {
          for await (const r of p.map(tasks)) seen.push(r.values.length)
        })(),
      )
      expect(err).toBeInstanceOf(SdError)
      expect((err as SdError).code).toBe('WORKER_CRASHED')
      expect((err as Error).message).toContain('decoding row group 1 of a.parquet')
      expect((err as Error).message).toContain('test pool')
      expect((err as SdError).location).toEqual({ file: 'a.parquet', rowGroup: 1 })
      expect(seen).toEqual([2])
      expect(p.closed).toBe(true)
      await p.close()
      expect(p.running).toBe(0)
      expect(() => p.stream({ kind: 'square', n: 1 })).toThrow(/decoding row group 1/)
    },
  )

  it('leaving a map early cancels the tasks under way; close stops every worker', async () => {
    const p = pool(2)
    let pulled = 0
    function* tasks(): Generator<PoolTask<PoolTestTask>> {
      for (let i = 0; i < 1000; i++) {
        pulled++
        yield { task: { kind: i === 0 ? 'square' : 'sleep', n: 1, ms: 5000 } as PoolTestTask }
      }
    }
    const t0 = performance.now()
    for await (const r of p.map(tasks(), { maxInFlight: 3 })) {
      expect(r.values.length).toBe(1)
      break
    }
    // in flight stayed bounded
    expect(pulled).toBeLessThanOrEqual(4)
    await p.close()
    expect(p.running).toBe(0)
    expect(performance.now() - t0).toBeLessThan(4000)
  })

  it('map keeps the costs of the tasks under way within its budget, and always runs one', async () => {
    const p = pool(2)
    let pulled = 0
    function* tasks(cost: number): Generator<PoolTask<PoolTestTask>> {
      for (let i = 0; i < 20; i++) {
        pulled++
        yield { task: { kind: i === 0 ? 'square' : 'sleep', n: 1, ms: 5000 } as PoolTestTask, cost }
      }
    }
    // tasks taken: those started (8 by count; 2 of cost 10 within 25; the first, always) and,
    // under a budget, the one that waits for room
    for (const [budget, expected] of [
      [Number.POSITIVE_INFINITY, 8],
      [25, 3],
      [5, 2],
    ] as const) {
      pulled = 0
      for await (const r of p.map(tasks(10), { maxInFlight: 8, budget })) {
        expect(r.values.length).toBe(1)
        break
      }
      expect([budget, pulled]).toEqual([budget, expected])
    }
    // tasks each over the budget still run, one at a time
    const one = (ms: number): PoolTask<PoolTestTask> => ({ task: { kind: 'stamps', n: 2 }, cost: 100 + ms })
    const stamps: number[][] = []
    for await (const r of p.map([one(0), one(1), one(2)], { budget: 10 })) stamps.push(Array.from(r.values))
    expect(stamps.map((s) => s[0])).toEqual([0, 1, 0, 1, 0, 1])
  })

  it('an aborted signal fails with AbortError and terminates the workers', async () => {
    const p = pool(2)
    const controller = new AbortController()
    const run = p.run({ kind: 'sleep', ms: 10_000 }, { signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    expect(await failure(run)).toBeInstanceOf(AbortError)
    expect(p.closed).toBe(true)
    await p.close()
    expect(p.running).toBe(0)
    expect(() => p.stream({ kind: 'square', n: 1 })).toThrow(AbortError)
  })

  it('a closed pool refuses tasks with CLOSED', async () => {
    const p = pool(1)
    await p.close()
    expect(() => p.stream({ kind: 'square', n: 1 })).toThrow(StateError)
  })

  it('refuses a pool of no workers', () => {
    expect(() => new WorkerPool({ module, size: 0, name: 'x' })).toThrow(/at least one worker/)
  })

  it('leased pools stay warm after work that finished, close at once after work that stopped', async () => {
    const options = { module, size: 1, name: 'lease-test' }
    const a = leasePool<PoolTestTask, PoolTestResult>(options, 200)
    expect((await a.pool.run({ kind: 'square', n: 2 })).values.length).toBe(2)
    await a.release('done')
    expect(a.pool.closed).toBe(false)
    const b = leasePool<PoolTestTask, PoolTestResult>(options, 200)
    expect(b.pool).toBe(a.pool)
    await b.release('stopped')
    expect(b.pool.closed).toBe(true)
    const c = leasePool<PoolTestTask, PoolTestResult>(options, 100)
    expect(c.pool).not.toBe(a.pool)
    await c.pool.run({ kind: 'square', n: 1 })
    await c.release('done')
    const t0 = Date.now()
    while (!c.pool.closed && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20))
    expect(c.pool.closed).toBe(true)
    await c.pool.close()
    await closeSharedPools()
    expect(WorkerPool.liveThreads).toBe(0)
  })
})
