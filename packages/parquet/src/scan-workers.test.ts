import { describe, expect, it } from 'vitest'
import { sharedFooter } from './scan-workers.js'

describe('sharedFooter', () => {
  it('puts a footer in shared memory once, so tasks carry a reference and not a copy', () => {
    const footer = Uint8Array.from({ length: 300 }, (_, i) => i % 251)
    const shared = sharedFooter(footer)
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(shared).toEqual(footer)
    expect(sharedFooter(footer)).toBe(shared)
    // a message shares the memory: what one side sees, the other does
    const received = structuredClone({ footer: shared }).footer
    expect(received.buffer).toBeInstanceOf(SharedArrayBuffer)
    shared[0] = 99
    expect(received[0]).toBe(99)
    expect(sharedFooter(Uint8Array.from(footer))).not.toBe(shared)
  })
})
