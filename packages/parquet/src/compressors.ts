import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm'
import { compressBlock } from 'lz4js'

/** The codecs {@link writeParquet} writes. */
export type WriteCodec = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD' | 'LZ4' | 'LZ4_RAW'

/** Every codec {@link writeParquet} writes (all that it reads). */
export const WRITE_CODECS: readonly WriteCodec[] = [
  'UNCOMPRESSED',
  'SNAPPY',
  'GZIP',
  'BROTLI',
  'ZSTD',
  'LZ4',
  'LZ4_RAW',
]

type Compressor = (input: Uint8Array) => Uint8Array

let zstdReady: Promise<void> | undefined

/**
 * The compressor of `codec` for hyparquet-writer (SNAPPY is its own, UNCOMPRESSED needs none):
 * GZIP and BROTLI by node:zlib, ZSTD by the zstd WASM build (level 3), LZ4_RAW as one LZ4 block,
 * LZ4 as LZ4 blocks in the Hadoop framing that Parquet's legacy LZ4 codec means.
 */
export async function compressorFor(codec: WriteCodec): Promise<Compressor | undefined> {
  switch (codec) {
    case 'GZIP':
      return (input) => gzipSync(input)
    case 'BROTLI':
      // quality 11 (the default) is ten times slower for a few percent
      return (input) => brotliCompressSync(input, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
    case 'ZSTD':
      zstdReady ??= zstdInit()
      await zstdReady
      return (input) => zstdCompress(input, 3)
    case 'LZ4_RAW':
      return lz4Block
    case 'LZ4':
      return lz4Hadoop
    default:
      return undefined
  }
}

/** One LZ4 block (the LZ4_RAW codec). */
export function lz4Block(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(literalBound(input.length))
  const n = compressBlock(input, out, 0, input.length, new Uint32Array(1 << 16))
  // lz4js gives up on input it cannot shrink: store it as one literal run, a valid block too
  return n > 0 ? out.subarray(0, n) : literalBlock(input)
}

/** Hadoop-framed LZ4 (the legacy LZ4 codec): big-endian raw and compressed sizes, then a block. */
export function lz4Hadoop(input: Uint8Array): Uint8Array {
  const block = lz4Block(input)
  const out = new Uint8Array(8 + block.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, input.length)
  view.setUint32(4, block.length)
  out.set(block, 8)
  return out
}

function literalBound(n: number): number {
  return n + Math.ceil(n / 255) + 16
}

/** An LZ4 block of only literals: a token, the length in 255-steps, the bytes. */
function literalBlock(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(literalBound(input.length))
  let k = 0
  const n = input.length
  if (n < 15) out[k++] = n << 4
  else {
    out[k++] = 0xf0
    let rest = n - 15
    for (; rest >= 255; rest -= 255) out[k++] = 255
    out[k++] = rest
  }
  out.set(input, k)
  return out.subarray(0, k + n)
}
