import { describe, expect, it } from 'vitest'
import { AbortError } from './errors.js'
import { PrefetchingQueue } from './prefetch.js'

const tick = () => new Promise<void>((r) => setImmediate(r))

async function* numbers(n: number, log?: string[]) {
  for (let i = 0; i < n; i++) {
    await tick()
    log?.push(`produce ${i}`)
    yield i
  }
}

describe('PrefetchingQueue', () => {
  it('yields the same items in the same order', async () => {
    const out: number[] = []
    for await (const x of new PrefetchingQueue(numbers(50), { maxPrefetch: 3 })) out.push(x)
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('works over a sync iterable and with maxPrefetch 0', async () => {
    const out: number[] = []
    for await (const x of new PrefetchingQueue([1, 2, 3], { maxPrefetch: 0 })) out.push(x)
    expect(out).toEqual([1, 2, 3])
  })

  it('delivers the items produced before a source error, then the original error', async () => {
    const boom = new RangeError('source failed')
    async function* failing() {
      yield 1
      yield 2
      yield 3
      throw boom
    }
    const out: number[] = []
    let caught: unknown
    try {
      for await (const x of new PrefetchingQueue(failing(), { maxPrefetch: 2 })) out.push(x)
    } catch (err) {
      caught = err
    }
    expect(out).toEqual([1, 2, 3])
    expect(caught).toBe(boom)
  })

  it('never holds more than maxPrefetch unconsumed items', async () => {
    let produced = 0
    let consumed = 0
    let maxAhead = 0
    async function* counting() {
      for (let i = 0; i < 40; i++) {
        await tick()
        produced++
        maxAhead = Math.max(maxAhead, produced - consumed)
        yield i
      }
    }
    for await (const _ of new PrefetchingQueue(counting(), { maxPrefetch: 3 })) {
      consumed++
      // a slow consumer gives the producer every chance to run ahead
      for (let k = 0; k < 5; k++) await tick()
    }
    expect(consumed).toBe(40)
    expect(maxAhead).toBe(3)
  })

  it('bounds read-ahead by bytes too', async () => {
    let produced = 0
    let consumed = 0
    let maxAhead = 0
    async function* chunks() {
      for (let i = 0; i < 20; i++) {
        await tick()
        produced++
        maxAhead = Math.max(maxAhead, produced - consumed)
        yield new Uint8Array(100)
      }
    }
    for await (const _ of new PrefetchingQueue(chunks(), { maxPrefetch: 10, maxBytes: 250 })) {
      consumed++
      for (let k = 0; k < 5; k++) await tick()
    }
    expect(consumed).toBe(20)
    // reading stops once 250 bytes are buffered: at most three 100-byte items
    expect(maxAhead).toBe(3)
  })

  it('runs the source ahead while the consumer works', async () => {
    const log: string[] = []
    const queue = new PrefetchingQueue(numbers(4, log), { maxPrefetch: 2 })
    for await (const x of queue) {
      log.push(`consume ${x} start`)
      for (let k = 0; k < 10; k++) await tick()
      log.push(`consume ${x} end`)
    }
    // item 1 was produced while the consumer was still working on item 0
    expect(log.indexOf('produce 1')).toBeLessThan(log.indexOf('consume 0 end'))
    expect(log.indexOf('produce 2')).toBeLessThan(log.indexOf('consume 1 start'))
    expect(log.filter((l) => l.startsWith('produce'))).toHaveLength(4)
  })

  it('break runs the source finally before the loop exits', async () => {
    let finalized = false
    let produced = 0
    async function* source() {
      try {
        for (let i = 0; ; i++) {
          await tick()
          produced++
          yield i
        }
      } finally {
        finalized = true
      }
    }
    for await (const x of new PrefetchingQueue(source(), { maxPrefetch: 2 })) {
      if (x === 1) break
    }
    expect(finalized).toBe(true)
    expect(produced).toBeLessThanOrEqual(4)
  })

  it('an abort rejects the waiting consumer with AbortError and closes the source', async () => {
    const controller = new AbortController()
    let finalized = false
    async function* slow() {
      try {
        yield 0
        await new Promise((r) => setTimeout(r, 20))
        yield 1
      } finally {
        finalized = true
      }
    }
    const seen: number[] = []
    const run = (async () => {
      for await (const x of new PrefetchingQueue(slow(), { maxPrefetch: 2, signal: controller.signal })) {
        seen.push(x)
        controller.abort()
      }
    })()
    await expect(run).rejects.toBeInstanceOf(AbortError)
    expect(seen).toEqual([0])
    expect(finalized).toBe(true)
  })

  it('rejects bad options', () => {
    expect(() => new PrefetchingQueue([], { maxPrefetch: -1 })).toThrow(/maxPrefetch/)
    expect(() => new PrefetchingQueue([], { maxBytes: 0 })).toThrow(/maxBytes/)
  })
})
