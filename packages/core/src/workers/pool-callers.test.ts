import { afterEach, describe, expect, it } from 'vitest'
import { AbortError } from '../errors.js'
import type { PoolTestResult, PoolTestTask } from '../test-support/pool-worker.js'
import { WorkerPool } from './pool.js'

const module = new URL('../test-support/pool-worker.ts', import.meta.url)
let p: WorkerPool<PoolTestTask, PoolTestResult> | undefined

afterEach(async () => {
  await p?.close()
})

describe('WorkerPool shared by callers', () => {
  it('an abort fails only the tasks of its signal; the other caller streams to the end', async () => {
    p = new WorkerPool<PoolTestTask, PoolTestResult>({ module, size: 2, name: 'test', window: 2 })
    const pool = p
    const a = new AbortController()
    const b = new AbortController()
    // caller A streams slowly (its worker waits for credit); caller B streams 200 values
    const slow = pool.stream({ kind: 'count', n: 1000 }, { signal: a.signal })
    const other = (async () => {
      const seen: number[] = []
      for await (const r of pool.stream({ kind: 'count', n: 200 }, { signal: b.signal })) {
        seen.push(r.values[0] as number)
        await new Promise((r) => setTimeout(r, 1))
      }
      return seen
    })()
    expect((await slow.next()).done).toBe(false)
    a.abort()
    await expect(slow.next()).rejects.toBeInstanceOf(AbortError)
    expect(await other).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(pool.closed).toBe(false)
    // the aborted task was cancelled in its worker: both workers take new tasks
    const [x, y] = await Promise.all([pool.run({ kind: 'square', n: 3 }), pool.run({ kind: 'square', n: 4 })])
    expect([...(x?.values ?? []), ...(y?.values ?? [])]).toEqual([0, 1, 4, 0, 1, 4, 9])
  })
})
