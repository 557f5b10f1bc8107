import { gunzipSync } from 'node:zlib'
import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm'
import { decompressLz4, decompressLz4Raw, decompressZstd } from 'hyparquet-compressors'
import { describe, expect, it } from 'vitest'
import { decompress, loadCodecs } from './codecs.js'
import { compressorFor, lz4Block, lz4Hadoop } from './compressors.js'
import { expectSameBytes } from './test-support/bytes.js'

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
      expectSameBytes(decompressLz4Raw(lz4Block(input), input.length), input)
      expectSameBytes(decompressLz4(lz4Hadoop(input), input.length), input)
    }
    const text = samples()[5] as Uint8Array
    expect(lz4Block(text).length).toBeLessThan(text.length / 20)
  })

  it('GZIP and ZSTD output decodes with independent decoders', async () => {
    const gzip = (await compressorFor('GZIP')) as (i: Uint8Array) => Uint8Array
    const zstd = (await compressorFor('ZSTD')) as (i: Uint8Array) => Uint8Array
    for (const input of samples()) {
      expectSameBytes(new Uint8Array(gunzipSync(gzip(input))), input)
      expectSameBytes(decompressZstd(zstd(input)), input)
    }
  })
})

describe('ZSTD pages', () => {
  it('a frame libzstd finds corrupt is an error, never values from the lenient JS decoder', async () => {
    await loadCodecs()
    await zstdInit()
    const text = new TextEncoder().encode(
      Array.from({ length: 400 }, (_, i) => `row ${i}: ${(i * 7919) % 1000} ${'ab'.repeat(i % 9)};`).join(''),
    )
    const frame = zstdCompress(text, 3)
    let refused = 0
    for (let at = 0; at < frame.length; at++) {
      for (const value of [0, 0xff, (frame[at] as number) ^ 0x08]) {
        const bad = frame.slice()
        bad[at] = value
        let libzstd: Uint8Array | undefined
        try {
          libzstd = zstdDecompress(bad)
        } catch {
          libzstd = undefined
        }
        let ours: Uint8Array | undefined
        try {
          ours = decompress('ZSTD', bad, text.length)
        } catch {
          ours = undefined
        }
        // whatever we return, libzstd returns too; what libzstd refuses, we refuse
        if (ours !== undefined)
          expect([at, value, libzstd?.length === ours.length]).toEqual([at, value, true])
        if (ours !== undefined)
          expect(Buffer.from(ours).equals(Buffer.from(libzstd as Uint8Array))).toBe(true)
        if (libzstd === undefined) refused++
      }
    }
    // the damage was seen: most single-byte changes of a frame break it
    expect(refused).toBeGreaterThan(frame.length)
    expectSameBytes(decompress('ZSTD', frame, text.length), text)
  })
})
