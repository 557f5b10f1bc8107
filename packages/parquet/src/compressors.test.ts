import { gunzipSync } from 'node:zlib'
import { decompressLz4, decompressLz4Raw, decompressZstd } from 'hyparquet-compressors'
import { describe, expect, it } from 'vitest'
import { compressorFor, lz4Block, lz4Hadoop } from './compressors.js'

function samples(): Uint8Array[] {
  let x = 12345
  const random = Uint8Array.from({ length: 100_000 }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return x >>> 24
  })
  const text = new TextEncoder().encode('label-1,label-2,label-3;'.repeat(5000))
  return [
    new Uint8Array(0),
    Uint8Array.of(7),
    new Uint8Array(12).fill(1),
    new Uint8Array(13).fill(1),
    random,
    text,
  ]
}

describe('write compressors', () => {
  it('LZ4 blocks decode to the input, and shrink repetitive data', () => {
    // the empty block is the single token 0 (hyparquet's decoder wants at least one sequence)
    expect(lz4Block(new Uint8Array(0))).toEqual(Uint8Array.of(0))
    for (const input of samples().slice(1)) {
      expect(decompressLz4Raw(lz4Block(input), input.length)).toEqual(input)
      expect(decompressLz4(lz4Hadoop(input), input.length)).toEqual(input)
    }
    const text = samples()[5] as Uint8Array
    expect(lz4Block(text).length).toBeLessThan(text.length / 20)
  })

  it('GZIP and ZSTD output decodes with independent decoders', async () => {
    const gzip = (await compressorFor('GZIP')) as (i: Uint8Array) => Uint8Array
    const zstd = (await compressorFor('ZSTD')) as (i: Uint8Array) => Uint8Array
    for (const input of samples()) {
      expect(new Uint8Array(gunzipSync(gzip(input)))).toEqual(input)
      expect(decompressZstd(zstd(input))).toEqual(input)
    }
  })
})
