import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js'
import { ByteWriter } from 'hyparquet-writer'
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js'
import { describe, expect, it } from 'vitest'
import { HybridReader } from './hybrid.js'

/** Values with long runs (RLE) and noisy stretches (bit-packed), below 2^width. */
function values(n: number, width: number, seed: number): number[] {
  let x = seed
  const out: number[] = []
  while (out.length < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    const run = x % 3 === 0 ? 1 + (x % 50) : 1
    const value = width === 0 ? 0 : (x >>> 8) % 2 ** width
    for (let k = 0; k < run && out.length < n; k++)
      out.push(run > 1 ? value : ((x >>> (k + 3)) + k) % 2 ** width)
  }
  return out
}

describe('HybridReader', () => {
  it.each([1, 2, 3, 7, 8, 10, 17, 24])(
    'decodes width %i in any chunking as hyparquet does whole',
    (width) => {
      const input = values(5000, width, width * 7919)
      const writer = new ByteWriter()
      writeRleBitPackedHybrid(writer, input, width)
      const bytes = writer.getBytes()
      const whole = new Array<number>(input.length)
      readRleBitPackedHybrid(
        { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length), offset: 0 },
        width,
        whole,
        bytes.length,
      )
      expect(whole).toEqual(input)
      const reader = new HybridReader(bytes, 0, bytes.length, width)
      const got: number[] = []
      for (const chunk of [1, 7, 100, 999, 3893]) {
        const out = new Uint32Array(chunk)
        reader.read(out, chunk)
        got.push(...out)
      }
      expect(got).toEqual(input)
    },
  )

  it('fails when the data ends before the values asked for', () => {
    const writer = new ByteWriter()
    writeRleBitPackedHybrid(writer, values(100, 3, 1), 3)
    const bytes = writer.getBytes()
    const reader = new HybridReader(bytes, 0, bytes.length, 3)
    expect(() => reader.read(new Uint32Array(200), 200)).toThrow(/end/)
  })
})
