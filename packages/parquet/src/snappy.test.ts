import { compressors } from 'hyparquet-compressors'
import { snappyCompress } from 'hyparquet-writer/src/snappy.js'
import { describe, expect, it } from 'vitest'
import { snappyDecompress, snappyHeader } from './snappy.js'
import { expectSameBytes } from './test-support/bytes.js'

const hysnappy = compressors.SNAPPY as (input: Uint8Array, size: number) => Uint8Array

function samples(): Uint8Array[] {
  let x = 987654321
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return x >>> 24
  }
  const random = Uint8Array.from({ length: 70_000 }, next)
  // texts repeating with periods short and long, as string columns do
  const words = new TextEncoder().encode(
    Array.from({ length: 4000 }, (_, i) => `${'abcdefghij'.slice(0, 1 + (i % 10))}-${i % 97} `).join(''),
  )
  const periodic = new TextEncoder().encode('0123456789abcdef0123456789abcdef tail '.repeat(3000))
  const runs = new Uint8Array(100_000)
  for (let i = 0; i < runs.length; i++) runs[i] = Math.floor(i / 777) % 3
  return [new Uint8Array(0), Uint8Array.of(42), random, words, periodic, runs, new Uint8Array(65_537).fill(9)]
}

function decompress(compressed: Uint8Array): Uint8Array {
  const { length } = snappyHeader(compressed)
  const out = new Uint8Array(length + 5).fill(0xee)
  snappyDecompress(compressed, out, length)
  return out.subarray(0, length)
}

describe('snappyDecompress', () => {
  it("gives back what hyparquet-writer's compressor took, as hysnappy does", () => {
    for (const input of samples()) {
      const compressed = snappyCompress(input)
      expectSameBytes(decompress(compressed), input)
      expectSameBytes(decompress(compressed), hysnappy(compressed, input.length))
    }
  })

  it('decodes every tag kind: long literals, 1-, 2- and 4-byte offsets, overlapping copies', () => {
    // 'abcdefgh' (literal), copy 8 from offset 8 (1-byte), copy 20 from offset 3 (2-byte, overlapping),
    // copy 30 from offset 36 (4-byte), then a 61-byte literal whose length takes an extra byte
    const literal = Array.from({ length: 61 }, (_, i) => 65 + (i % 26))
    const compressed = Uint8Array.of(
      8 + 8 + 20 + 30 + 61,
      (8 - 1) << 2,
      ...new TextEncoder().encode('abcdefgh'),
      1 | ((8 - 4) << 2),
      8,
      2 | ((20 - 1) << 2),
      3,
      0,
      3 | ((30 - 1) << 2),
      36,
      0,
      0,
      0,
      (60 << 2) | 0,
      61 - 1,
      ...literal,
    )
    const expected: number[] = [...new TextEncoder().encode('abcdefgh')]
    const copy = (offset: number, len: number) => {
      for (let i = 0; i < len; i++) expected.push(expected[expected.length - offset] as number)
    }
    copy(8, 8)
    copy(3, 20)
    copy(36, 30)
    expected.push(...literal)
    expect([...decompress(compressed)]).toEqual(expected)
  })

  it('rejects corrupt blocks with an error instead of wrong bytes', () => {
    const good = snappyCompress(samples()[3] as Uint8Array)
    const size = snappyHeader(good).length
    const out = new Uint8Array(size)
    expect(() => snappyDecompress(good, out, size + 1)).toThrow(/header says/)
    expect(() => snappyDecompress(good.subarray(0, good.length - 3), out, size)).toThrow(/snappy/)
    expect(() => snappyDecompress(good, new Uint8Array(size - 1), size)).toThrow(/cannot hold/)
    // a copy reaching back before the start of the output
    expect(() => snappyDecompress(Uint8Array.of(10, 2 | (9 << 2), 5, 0), new Uint8Array(10), 10)).toThrow(
      /offset 5 at byte 0/,
    )
    // a literal running past the input, and one past the declared length
    expect(() => snappyDecompress(Uint8Array.of(4, 3 << 2, 1, 2), new Uint8Array(4), 4)).toThrow(
      /past the input/,
    )
    expect(() => snappyDecompress(Uint8Array.of(2, 3 << 2, 1, 2, 3, 4), new Uint8Array(4), 2)).toThrow(
      /declared length/,
    )
    expect(() => snappyHeader(Uint8Array.of(0x80, 0x80))).toThrow(/no valid length header/)
  })
})
