import { describe, expect, it } from 'vitest'
import {
  allocBitmap,
  BitmapBuilder,
  copyBits,
  countSetBits,
  filterBitmap,
  getBit,
  packBits,
  sliceBitmap,
  unpackBits,
  writeBits,
} from './bitmap.js'

/** A deterministic pseudo-random bit pattern. */
function bits(n: number, seed: number): number[] {
  let x = seed
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    return (x >> 16) & 1
  })
}

const read = (bitmap: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => getBit(bitmap, i))

describe('bitmaps', () => {
  it('pack and unpack in LSB order, as Arrow does', () => {
    expect([...packBits([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])]).toEqual([0b00000001, 0b00000010])
    const pattern = bits(77, 1)
    expect([...unpackBits(packBits(pattern), 77)]).toEqual(pattern)
    expect(countSetBits(packBits(pattern), 77)).toBe(pattern.filter((b) => b === 1).length)
  })

  it('allocates all-set bitmaps with the bits past the length clear', () => {
    const full = allocBitmap(13, true)
    expect([...full]).toEqual([0xff, 0b00011111])
    expect(countSetBits(full, 13)).toBe(13)
  })

  it('slices, copies and writes at every bit offset like a bit-by-bit reference', () => {
    const pattern = bits(203, 7)
    const bitmap = packBits(pattern)
    for (let start = 0; start < 20; start++) {
      for (const end of [start, start + 1, start + 9, 150, 203]) {
        if (end < start) continue
        expect(read(sliceBitmap(bitmap, start, end), end - start)).toEqual(pattern.slice(start, end))
        expect(read(copyBits(bitmap, start, end - start), end - start)).toEqual(pattern.slice(start, end))
      }
      const dst = packBits(bits(260, 3))
      const before = read(dst, 260)
      writeBits(dst, start + 5, bitmap, start, 100)
      const expected = [...before]
      for (let i = 0; i < 100; i++) expected[start + 5 + i] = pattern[start + i] as number
      expect(read(dst, 260)).toEqual(expected)
    }
  })

  it('filters by a mask', () => {
    const pattern = bits(50, 9)
    const mask = bits(50, 11)
    const kept = pattern.filter((_, i) => mask[i])
    expect(read(filterBitmap(packBits(pattern), mask, kept.length), kept.length)).toEqual(kept)
  })

  it('builds bit by bit and in runs', () => {
    const b = new BitmapBuilder(4)
    const pattern = bits(1000, 5)
    for (const bit of pattern.slice(0, 500)) b.append(bit)
    b.appendMany(true, 300)
    b.appendMany(false, 200)
    const expected = [...pattern.slice(0, 500), ...new Array(300).fill(1), ...new Array(200).fill(0)]
    expect(b.length).toBe(1000)
    expect(b.setCount).toBe(expected.filter((x) => x === 1).length)
    expect(read(b.finish(), 1000)).toEqual(expected)
  })
})
