import { isUtf8 } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { firstInvalidUtf8, incompleteUtf8Tail } from './utf8.js'

/** A deterministic byte generator biased towards UTF-8-looking sequences. */
function bytesFor(seed: number, length: number): Uint8Array {
  const pool = [
    0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0xef, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff,
  ]
  const out = new Uint8Array(length)
  let x = seed * 2654435761
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    out[i] = pool[x % pool.length] as number
  }
  return out
}

describe('firstInvalidUtf8', () => {
  it("agrees with Node's validator and TextDecoder on 20,000 byte strings", () => {
    const decoder = new TextDecoder('utf-8', { fatal: true })
    for (let seed = 0; seed < 20000; seed++) {
      const bytes = bytesFor(seed, 1 + (seed % 9))
      const bad = firstInvalidUtf8(bytes)
      expect(bad === -1, `seed ${seed}`).toBe(isUtf8(bytes))
      if (bad >= 0) {
        // everything before the reported byte is valid, and the decoder rejects it from there
        expect(isUtf8(bytes.subarray(0, bad))).toBe(true)
        expect(() => decoder.decode(bytes.subarray(bad))).toThrow()
      }
    }
  })

  it('accepts every kind of valid character', () => {
    const text = 'a é € 😀 \u07ff \u0800 \uffff \u{10ffff}'
    expect(firstInvalidUtf8(Buffer.from(text))).toBe(-1)
  })
})

describe('incompleteUtf8Tail', () => {
  it('counts the bytes of a character cut off at the end', () => {
    const bytes = Buffer.from('x😀')
    for (let cut = 1; cut <= 4; cut++) {
      expect(incompleteUtf8Tail(bytes, 1 + cut)).toBe(cut === 4 ? 0 : cut)
    }
    expect(incompleteUtf8Tail(Buffer.from('abc'))).toBe(0)
    expect(incompleteUtf8Tail(Buffer.from('é'), 1)).toBe(1)
  })
})
