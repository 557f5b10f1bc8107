import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import type { CompressionCodec, Compressors } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

/** Every Parquet codec but LZO: what this package reads and writes. */
export const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'] as const

/** The codecs this package reads. LZO is the one Parquet codec it does not. */
export const READ_CODECS: ReadonlySet<CompressionCodec> = new Set<CompressionCodec>(CODECS)

type Decompressor = (input: Uint8Array, size: number) => Uint8Array
const snappy = compressors.SNAPPY as Decompressor
const zstd = compressors.ZSTD as Decompressor
const lz4 = compressors.LZ4 as Decompressor
const lz4Raw = compressors.LZ4_RAW as Decompressor

/**
 * `input` decompressed with `codec` into exactly `size` bytes: SNAPPY by the WASM build of
 * hyparquet-compressors (its length header checked first), GZIP and BROTLI by node:zlib, ZSTD,
 * LZ4 and LZ4_RAW by hyparquet-compressors. Anything that does not come out at `size` bytes is an
 * error: the page is corrupt.
 */
export function decompress(codec: CompressionCodec, input: Uint8Array, size: number): Uint8Array {
  let out: Uint8Array
  switch (codec) {
    case 'UNCOMPRESSED':
      out = input
      break
    case 'SNAPPY': {
      const claimed = snappyLength(input)
      if (claimed !== size)
        throw new Error(`snappy data holds ${claimed} bytes where the page header says ${size}`)
      out = snappy(input, size)
      break
    }
    case 'GZIP':
      out = gunzipSync(input)
      break
    case 'BROTLI':
      out = brotliDecompressSync(input)
      break
    case 'ZSTD':
      out = zstd(input, size)
      break
    case 'LZ4':
      out = lz4(input, size)
      break
    case 'LZ4_RAW':
      out = lz4Raw(input, size)
      break
    default:
      throw new Error(`unsupported codec ${codec}`)
  }
  if (out.length !== size) {
    throw new Error(`page decompressed to ${out.length} bytes where its header says ${size}`)
  }
  return out
}

/** The uncompressed length a snappy block starts with. */
function snappyLength(input: Uint8Array): number {
  let value = 0
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    if (i >= input.length) break
    const b = input[i] as number
    value += (b & 0x7f) * 2 ** shift
    if (b < 0x80) return value
  }
  throw new Error('snappy data has no valid length header')
}

/** The same decompressors in the shape hyparquet takes (for the nested columns it assembles). */
export const decompressors: Compressors = compressors
