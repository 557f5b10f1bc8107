import { describe, expect, it } from 'vitest'
import { PageCache } from './page-cache.js'

describe('PageCache', () => {
  it('evicts the least recently used page once every slot is taken', () => {
    const cache = new PageCache(3 * 16, 4) // three slots of four floats
    const slots = [10, 11, 12].map((page) => cache.claim(page))
    expect(new Set(slots).size).toBe(3)
    expect(cache.get(10)).toBe(slots[0]) // 10 is now the most recent; 11 the least
    const slot = cache.claim(13)
    expect(slot).toBe(slots[1])
    expect(cache.get(11)).toBe(-1)
    expect([cache.get(10), cache.get(12), cache.get(13)]).toEqual([slots[0], slots[2], slot])
    expect(cache.stats()).toMatchObject({ itemCount: 3, evictions: 1, hits: 4, misses: 1, sizeBytes: 48 })
  })

  it('reuses a deleted page’s slot first, without counting an eviction', () => {
    const cache = new PageCache(2 * 16, 4)
    const a = cache.claim(1)
    cache.claim(2)
    cache.get(1)
    cache.delete(1)
    expect(cache.claim(3)).toBe(a)
    expect(cache.get(2)).toBeGreaterThanOrEqual(0)
    expect(cache.stats().evictions).toBe(0)
    cache.claim(4)
    expect(cache.get(3)).toBe(-1)
    expect(cache.stats().evictions).toBe(1)
  })

  it('keeps every slot in its own place and stays within its slots under random use', () => {
    const cache = new PageCache(1000, 10)
    expect(cache.maxSizeBytes).toBe(25 * 40)
    let seed = 7
    for (let k = 0; k < 5000; k++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      const page = seed % 60
      let slot = cache.get(page)
      if (slot < 0) {
        slot = cache.claim(page)
        cache.segment(slot).fill(page, cache.slotOffset(slot), cache.slotOffset(slot) + 10)
      }
      const at = cache.slotOffset(slot)
      expect([...cache.segment(slot).subarray(at, at + 10)]).toEqual(new Array(10).fill(page))
    }
    expect(cache.stats().itemCount).toBe(25)
    expect(cache.allocatedBytes).toBe(25 * 40)
  })

  it('allocates its memory segment by segment, as slots are first used', () => {
    // 64 MiB of 4 KiB pages
    const cache = new PageCache(64 * 2 ** 20, 1024)
    expect(cache.allocatedBytes).toBe(0)
    for (let page = 0; page < 3; page++) {
      const slot = cache.claim(page)
      cache.segment(slot)[cache.slotOffset(slot)] = page
    }
    expect(cache.allocatedBytes).toBe(2 ** 16)
    for (let page = 3; page < 20; page++) cache.segment(cache.claim(page))
    expect(cache.allocatedBytes).toBe(2 * 2 ** 16)
    // slots of different segments never share memory
    expect(cache.segment(0)).not.toBe(cache.segment(16))
    expect([cache.segment(0)[0], cache.segment(1)[cache.slotOffset(1)]]).toEqual([0, 1])
    cache.clear()
    expect(cache.allocatedBytes).toBe(0)
  })
})
