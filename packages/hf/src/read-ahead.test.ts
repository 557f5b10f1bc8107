import { describe, expect, it } from 'vitest'
import { readAhead } from './read-ahead.js'

/** A source of `n` items of `size` bytes that records how many were pulled at each take. */
function tracked(n: number, size: number) {
  const state = { pulled: 0, finallyRan: false }
  async function* source() {
    try {
      for (let i = 0; i < n; i++) {
        state.pulled++
        yield { i, size }
      }
    } finally {
      state.finallyRan = true
    }
  }
  return { state, source: source() }
}

const tick = () => new Promise((r) => setTimeout(r, 5))

describe('readAhead', () => {
  it('pulls only the first item before it is taken, then keeps `depth` more while the consumer works', async () => {
    const { state, source } = tracked(20, 10)
    const seen: number[] = []
    const aheadAtTake: number[] = []
    for await (const item of readAhead(source, {
      depth: 3,
      maxBytes: 1e9,
      sizeOf: (x: { size: number }) => x.size,
    })) {
      aheadAtTake.push(state.pulled - item.i - 1)
      seen.push(item.i)
      await tick() // the consumer works; pulls go on meanwhile
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(aheadAtTake[0]).toBe(0)
    expect(Math.max(...aheadAtTake)).toBe(3)
  })

  it('stops pulling at maxBytes (one item is always allowed), and returns the source when stopped', async () => {
    const { state, source } = tracked(20, 100)
    const ahead: number[] = []
    for await (const item of readAhead(source, {
      depth: 8,
      maxBytes: 150,
      sizeOf: (x: { size: number }) => x.size,
    })) {
      await tick()
      ahead.push(state.pulled - item.i - 1)
      if (item.i === 10) break
    }
    expect(Math.max(...ahead)).toBe(2)
    expect(state.finallyRan).toBe(true)
    expect(state.pulled).toBeLessThan(20)
  })

  it('reports a failed pull when the consumer reaches it', async () => {
    async function* failing() {
      yield 1
      yield 2
      throw new Error('boom')
    }
    const seen: number[] = []
    const run = async () => {
      for await (const x of readAhead(failing(), { depth: 4, maxBytes: 1e9, sizeOf: () => 1 })) seen.push(x)
    }
    await expect(run()).rejects.toThrow('boom')
    expect(seen).toEqual([1, 2])
  })
})
