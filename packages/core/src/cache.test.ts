import { describe, expect, it } from 'vitest'
import { StreamingCache } from './cache.js'

const MiB = 1024 * 1024

function clock() {
  let t = 1000
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms
    },
  }
}

describe('StreamingCache', () => {
  it('counts hits and misses and sizes strings by UTF-8 bytes', () => {
    const cache = new StreamingCache({ maxSizeMb: 1, ttlSeconds: 60 })
    expect(cache.put('a', 'value1')).toBe(true)
    expect(cache.put('b', 'value2')).toBe(true)
    expect(cache.get('a')).toBe('value1')
    expect(cache.get('b')).toBe('value2')
    expect(cache.get('c')).toBeUndefined()
    const stats = cache.getStats()
    expect(stats.hits).toBe(2)
    expect(stats.misses).toBe(1)
    expect(stats.hitRatio).toBeCloseTo(2 / 3)
    expect(stats.sizeBytes).toBe(12)
    expect(stats.itemCount).toBe(2)
    expect(stats.maxSizeBytes).toBe(MiB)
  })

  it('accepts a value of exactly the capacity by evicting everything else', () => {
    const cache = new StreamingCache({ maxSizeMb: 1, ttlSeconds: 60 })
    cache.put('a', 'value1')
    cache.put('b', 'value2')
    expect(cache.put('big', new Uint8Array(MiB))).toBe(true)
    expect(cache.has('a')).toBe(false)
    expect(cache.has('b')).toBe(false)
    expect(cache.has('big')).toBe(true)
    const stats = cache.getStats()
    expect(stats.evictions).toBe(2)
    expect(stats.sizeBytes).toBe(MiB)
    expect(stats.utilization).toBe(1)
  })

  it('refuses a value one byte over the capacity and changes nothing', () => {
    const cache = new StreamingCache({ maxSizeMb: 1, ttlSeconds: 60 })
    cache.put('a', 'value1')
    cache.put('b', 'value2')
    expect(cache.put('a', new Uint8Array(MiB + 1))).toBe(false)
    expect(cache.get('a')).toBe('value1')
    expect(cache.has('b')).toBe(true)
    expect(cache.getStats().sizeBytes).toBe(12)
    expect(cache.getStats().evictions).toBe(0)
  })

  it('clear() empties the cache but keeps the counters', () => {
    const cache = new StreamingCache({ maxSizeMb: 1, ttlSeconds: 60 })
    cache.put('a', 'value1')
    cache.get('a')
    cache.get('zz')
    cache.clear()
    const stats = cache.getStats()
    expect(stats.itemCount).toBe(0)
    expect(stats.sizeBytes).toBe(0)
    expect(stats.hits).toBe(1)
    expect(stats.misses).toBe(1)
    expect(stats.evictions).toBe(0)
  })

  it('refreshes the TTL on read (sliding expiry)', () => {
    const c = clock()
    const cache = new StreamingCache({ maxSizeMb: 1, ttlSeconds: 60, now: c.now })
    cache.put('read', 'x')
    cache.put('unread', 'y')
    c.advance(50_000)
    expect(cache.get('read')).toBe('x')
    c.advance(20_000) // 70 s after the put, 20 s after the read
    expect(cache.get('read')).toBe('x')
    expect(cache.get('unread')).toBeUndefined()
    c.advance(61_000)
    expect(cache.get('read')).toBeUndefined()
  })

  it('evicts the least recently read entry', () => {
    const cache = new StreamingCache({ maxSizeMb: 1, ttlSeconds: 60 })
    const third = Math.floor(MiB / 3)
    cache.put('a', new Uint8Array(third))
    cache.put('b', new Uint8Array(third))
    cache.put('c', new Uint8Array(third))
    cache.get('a') // now b is the least recently used
    cache.put('d', new Uint8Array(third))
    expect(cache.has('a')).toBe(true)
    expect(cache.has('b')).toBe(false)
    expect(cache.has('c')).toBe(true)
    expect(cache.has('d')).toBe(true)
    expect(cache.getStats().evictions).toBe(1)
  })

  it('sizes values by byteSize, JSON length, or 1024', () => {
    const cache = new StreamingCache({ maxSizeMb: 1 })
    cache.put('sized', { byteSize: 500 })
    expect(cache.getStats().sizeBytes).toBe(500)
    cache.put('json', { a: [1, 2] })
    expect(cache.getStats().sizeBytes).toBe(500 + JSON.stringify({ a: [1, 2] }).length)
    cache.put('opaque', new Map())
    expect(cache.getStats().sizeBytes).toBe(500 + 11 + 1024)
    cache.put('given', 'abc', 99)
    expect(cache.getStats().sizeBytes).toBe(500 + 11 + 1024 + 99)
  })

  it('getOrLoad loads once for concurrent callers and then hits', async () => {
    const cache = new StreamingCache<string>({ maxSizeMb: 1 })
    let loads = 0
    const load = async () => {
      loads++
      await new Promise((r) => setTimeout(r, 5))
      return 'v'
    }
    const [a, b] = await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)])
    expect([a, b]).toEqual(['v', 'v'])
    expect(loads).toBe(1)
    expect(await cache.getOrLoad('k', load)).toBe('v')
    expect(loads).toBe(1)
    expect(cache.getStats().hits).toBe(1)
  })

  it('rejects invalid sizes', () => {
    expect(() => new StreamingCache({ maxSizeMb: 0 })).toThrow(/maxSizeMb/)
    expect(() => new StreamingCache({ ttlSeconds: -1 })).toThrow(/ttlSeconds/)
  })
})
