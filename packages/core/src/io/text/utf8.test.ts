import { isUtf8 } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { firstInvalidUtf8, incompleteUtf8Tail, Utf8Checker } from './utf8.js'

function invalidOffsets(bytes: Uint8Array, chunkSize: number): number[] {
  const checker = new Utf8Checker()
  const found: number[] = []
  const sink = (offset: number) => found.push(offset)
  for (let i = 0; i < bytes.length; i += chunkSize) checker.check(bytes.subarray(i, i + chunkSize), sink)
  checker.end(sink)
  return found
}

describe('Utf8Checker', () => {
  const text = Buffer.from('id,name\n1,café\n2,日本語\n3,😀 ok\n4,Ωmega\n')

  it('accepts valid UTF-8 however the chunks split multi-byte characters', () => {
    for (let size = 1; size <= 9; size++) expect(invalidOffsets(text, size), `chunk ${size}`).toEqual([])
  })

  it('reports the offset of each invalid sequence, whatever the chunking', () => {
    const parts = [
      Buffer.from('1,café'),
      Buffer.from([0xff]),
      Buffer.from('日本\n2,'),
      Buffer.from([0xe6, 0x97]),
      Buffer.from('x\n'),
    ]
    const bad = Buffer.concat(parts)
    expect(isUtf8(bad)).toBe(false)
    const first = parts[0]?.length ?? 0
    const second = first + 1 + (parts[2]?.length ?? 0)
    for (let size = 1; size <= 9; size++)
      expect(invalidOffsets(bad, size), `chunk ${size}`).toEqual([first, second])
  })

  it('reports a sequence cut off at the end of the stream', () => {
    const cut = Buffer.concat([Buffer.from('a,b\n'), Buffer.from([0xf0, 0x9f, 0x98])])
    for (let size = 1; size <= 7; size++) expect(invalidOffsets(cut, size), `chunk ${size}`).toEqual([4])
  })

  it('refuses overlong forms and surrogates as TextDecoder does', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true })
    for (const seq of [
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xe0, 0x80, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      const bytes = Uint8Array.from([0x61, ...seq, 0x62])
      expect(() => decoder.decode(bytes)).toThrow()
      expect(invalidOffsets(bytes, 2)[0]).toBe(1)
    }
  })

  it('finds as many invalid sequences as TextDecoder replaces, on random bytes in any chunking', () => {
    let seed = 12345
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed >>> 16
    }
    const pieces = ['a', 'é', '日', '😀', '\n', ',']
    for (let round = 0; round < 200; round++) {
      const bytes: number[] = []
      for (let k = 0; k < 40; k++) {
        if (random() % 4 === 0) bytes.push(random() % 256)
        else bytes.push(...Buffer.from(pieces[random() % pieces.length] as string))
      }
      const input = Uint8Array.from(bytes)
      const replaced = new TextDecoder().decode(input).split('\ufffd').length - 1
      for (const size of [1, 2, 3, 5, 64])
        expect(invalidOffsets(input, size).length, `round ${round}, chunk ${size}`).toBe(replaced)
    }
  })
})

describe('firstInvalidUtf8', () => {
  it('finds the first bad byte within a range, or -1', () => {
    const bytes = Buffer.concat([
      Buffer.from('ab日'),
      Buffer.from([0xff]),
      Buffer.from('c'),
      Buffer.from([0xc3]),
    ])
    expect(firstInvalidUtf8(bytes)).toBe(5)
    expect(firstInvalidUtf8(bytes, 0, 5)).toBe(-1)
    // a sequence cut by the end of the range is invalid at its first byte
    expect(firstInvalidUtf8(bytes, 6)).toBe(7)
    expect(firstInvalidUtf8(Buffer.from('日'), 0, 2)).toBe(0)
  })
})

describe('incompleteUtf8Tail', () => {
  it('counts the bytes of a sequence the end cuts off, 0 for a complete or invalid end', () => {
    const emoji = Buffer.from('😀')
    for (let cut = 1; cut < 4; cut++) expect(incompleteUtf8Tail(emoji.subarray(0, cut))).toBe(cut)
    expect(incompleteUtf8Tail(emoji)).toBe(0)
    expect(incompleteUtf8Tail(Buffer.from('abc'))).toBe(0)
    expect(incompleteUtf8Tail(Uint8Array.of(0x61, 0xff))).toBe(0)
  })
})
