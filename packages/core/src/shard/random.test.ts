import { describe, expect, it } from 'vitest'
import { digest, hashKey, permutation, randomSource } from './random.js'

describe('seeded randomness', () => {
  it('gives one permutation per key, every index once', () => {
    for (const n of [0, 1, 2, 10, 10_000]) {
      const p = permutation(n, `k${n}`)
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
      expect(permutation(n, `k${n}`)).toEqual(p)
    }
    expect(permutation(1000, 'a')).not.toEqual(permutation(1000, 'b'))
  })

  it('moves every position about equally often', () => {
    // position 0 of permutations of 4 over many keys: each value about a quarter of the time
    const counts = [0, 0, 0, 0]
    for (let k = 0; k < 4000; k++) {
      const first = permutation(4, `key-${k}`)[0] as number
      counts[first] = (counts[first] ?? 0) + 1
    }
    for (const c of counts) expect(c).toBeGreaterThan(850)
  })

  it('hashes keys to fixed words and digests', () => {
    expect(hashKey('abc')).toEqual(hashKey('abc'))
    expect(digest('abc')).toMatch(/^[0-9a-f]{16}$/)
    expect(digest('abc')).not.toBe(digest('abd'))
    const next = randomSource('seed')
    const again = randomSource('seed')
    expect([next(), next(), next()]).toEqual([again(), again(), again()])
  })
})
