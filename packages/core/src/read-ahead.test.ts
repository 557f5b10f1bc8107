import { describe, expect, it } from 'vitest'
import { mapConcurrent } from './concurrency.js'
import { readAhead } from './read-ahead.js'

describe('readAhead', () => {
  function run(sizes: number[], depth: number, budget: number, stopAfter = Infinity) {
    const log: string[] = []
    const handles = (async () => {
      let n = 0
      for await (const h of readAhead(
        sizes.map((bytes, i) => ({ i, bytes })),
        (item) => {
          log.push(`start ${item.i}`)
          return { i: item.i, release: () => log.push(`release ${item.i}`) }
        },
        { depth, budget, cost: (item) => item.bytes },
      )) {
        log.push(`use ${h.i}`)
        if (++n >= stopAfter) break
        h.release()
      }
    })()
    return handles.then(() => log)
  }

  it('starts items up to depth ahead within the byte budget, in order', async () => {
    expect(await run([10, 10, 10, 10], 2, 100)).toEqual([
      'start 0',
      'start 1',
      'start 2',
      'use 0',
      'release 0',
      'start 3',
      'use 1',
      'release 1',
      'use 2',
      'release 2',
      'use 3',
      'release 3',
    ])
    // a budget for two: one ahead at most; a huge item still starts when its turn comes
    expect(await run([10, 10, 500, 10], 3, 20)).toEqual([
      'start 0',
      'start 1',
      'use 0',
      'release 0',
      'use 1',
      'release 1',
      'start 2',
      'use 2',
      'release 2',
      'start 3',
      'use 3',
      'release 3',
    ])
  })

  it('releases what was started ahead when the loop stops early', async () => {
    const log = await run([1, 1, 1, 1], 2, 100, 1)
    expect(log).toEqual(['start 0', 'start 1', 'start 2', 'use 0', 'release 1', 'release 2'])
  })
})

describe('mapConcurrent', () => {
  it('keeps order and at most limit calls in flight', async () => {
    let running = 0
    let peak = 0
    const out = await mapConcurrent([30, 5, 20, 1, 10], 2, async (ms, i) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, ms))
      running--
      return i * 10
    })
    expect(out).toEqual([0, 10, 20, 30, 40])
    expect(peak).toBe(2)
    await expect(
      mapConcurrent([1, 2], 4, async (v) => {
        if (v === 2) throw new Error('two')
        return v
      }),
    ).rejects.toThrow('two')
    expect(await mapConcurrent([], 3, async () => 1)).toEqual([])
  })
})
