import { writeFileSync } from 'node:fs'
import { isVectorSource, StateError, ValidationError, type VectorSource } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from './load.js'
import { backends, bytes, eachTempDir, flat, skipBackend } from './test-support/fixtures.js'

/**
 * What an index does with a vector source: streams it in tiles of `tile` rows through one buffer
 * and returns, per row, the sum of its components (so every value is read).
 */
async function rowSums(source: VectorSource, tile: number): Promise<Float64Array> {
  const sums = new Float64Array(source.length)
  const buffer = new Float32Array(tile * source.dimension)
  for (let start = 0; start < source.length; start += tile) {
    const n = await source.readRows(start, start + tile, buffer)
    for (let r = 0; r < n; r++) {
      let s = 0
      for (let j = 0; j < source.dimension; j++) s += buffer[r * source.dimension + j] as number
      sums[start + r] = s
    }
  }
  return sums
}

function expectedSums(count: number, dim: number): Float64Array {
  const all = flat(0, count, dim)
  const sums = new Float64Array(count)
  for (let r = 0; r < count; r++) {
    let s = 0
    for (let j = 0; j < dim; j++) s += all[r * dim + j] as number
    sums[r] = s
  }
  return sums
}

describe.each(backends)('VectorSource, $backend backend', ({ backend }) => {
  const tmp = eachTempDir()

  describe.skipIf(skipBackend(backend))('readRows', () => {
    it.each([
      { format: 'npy', name: 'v.npy' },
      { format: 'raw', name: 'v.f32' },
    ])(
      'streams a $format file in tiles, small (from the mapping) and large (positional reads)',
      async ({ name }) => {
        const path = tmp.path(name)
        // 3000 x 24: a tile of 1000 rows is 96 KB, past the size copied out of a mapping
        createMemoryMappedVectors(path, { dimension: 24, initialVectors: flat(0, 3000, 24) }).close()
        const v = loadMemoryMappedVectors(path, { dimension: 24, backend })
        expect(isVectorSource(v)).toBe(true)
        const expected = expectedSums(3000, 24)
        for (const tile of [1, 7, 1000, 5000])
          expect(await rowSums(v, tile), `tile ${tile}`).toEqual(expected)
        v.close()
      },
    )

    it('copies exactly the rows asked for, from index 0, and clips the end to the length', () => {
      const path = tmp.path('v.npy')
      const v = createMemoryMappedVectors(path, { dimension: 3, initialVectors: flat(0, 50, 3), backend })
      const out = new Float32Array(10 * 3).fill(-1)
      expect(v.readRows(5, 9, out)).toBe(4)
      expect(out.subarray(0, 12)).toEqual(flat(5, 4, 3))
      expect(out.subarray(12).every((x) => x === -1)).toBe(true)
      expect(v.readRows(45, 60, out)).toBe(5)
      expect(out.subarray(0, 15)).toEqual(flat(45, 5, 3))
      expect(v.readRows(50, 50, out)).toBe(0)
      expect(v.readRows(50, 70, out)).toBe(0)
      // a view into a larger buffer: rows land at its own index 0
      const big = new Float32Array(100)
      expect(v.readRows(1, 3, big.subarray(10, 16))).toBe(2)
      expect(big.subarray(10, 16)).toEqual(flat(1, 2, 3))
      expect(big[9]).toBe(0)
      expect(big[16]).toBe(0)
      v.close()
    })

    it('fills a Float32Array on a SharedArrayBuffer (what worker threads share)', () => {
      const path = tmp.path('v.f32')
      writeFileSync(path, bytes(flat(0, 40_000, 8)))
      const v = loadMemoryMappedVectors(path, { dimension: 8, backend })
      const shared = new Float32Array(new SharedArrayBuffer(40_000 * 8 * 4))
      expect(v.readRows(0, 40_000, shared)).toBe(40_000)
      expect(Float32Array.from(shared)).toEqual(flat(0, 40_000, 8))
      const small = new Float32Array(new SharedArrayBuffer(2 * 8 * 4))
      expect(v.readRows(39_998, 40_000, small)).toBe(2)
      expect(Float32Array.from(small)).toEqual(flat(39_998, 2, 8))
      v.close()
    })

    it('sees rows appended through the same object', () => {
      const v = createMemoryMappedVectors(tmp.path('v.npy'), {
        dimension: 4,
        initialVectors: flat(0, 10, 4),
        backend,
      })
      const out = new Float32Array(40 * 4)
      expect(v.readRows(0, 40, out)).toBe(10)
      v.append(flat(10, 20, 4))
      expect(v.length).toBe(30)
      expect(v.readRows(0, 40, out)).toBe(30)
      expect(out.subarray(0, 120)).toEqual(flat(0, 30, 4))
      v.close()
    })

    it('refuses bad ranges, a short or wrong output, and use after close', () => {
      const v = createMemoryMappedVectors(tmp.path('v.npy'), {
        dimension: 4,
        initialVectors: flat(0, 10, 4),
        backend,
      })
      const out = new Float32Array(40)
      const codeOf = (fn: () => unknown) => {
        try {
          fn()
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError)
          return (err as ValidationError).code
        }
        return 'no error'
      }
      expect(codeOf(() => v.readRows(-1, 3, out))).toBe('INDEX_OUT_OF_RANGE')
      expect(codeOf(() => v.readRows(11, 12, out))).toBe('INDEX_OUT_OF_RANGE')
      expect(codeOf(() => v.readRows(1.5, 3, out))).toBe('INVALID_INDEX')
      expect(codeOf(() => v.readRows(3, 2, out))).toBe('INVALID_INDEX')
      expect(codeOf(() => v.readRows(0, Number.NaN, out))).toBe('INVALID_INDEX')
      expect(codeOf(() => v.readRows(0, 10, new Float32Array(39)))).toBe('INVALID_OUTPUT')
      expect(codeOf(() => v.readRows(0, 1, new Float64Array(4) as unknown as Float32Array))).toBe(
        'INVALID_OUTPUT',
      )
      expect(out.every((x) => x === 0)).toBe(true)
      v.close()
      expect(() => v.readRows(0, 1, out)).toThrow(StateError)
    })
  })
})
