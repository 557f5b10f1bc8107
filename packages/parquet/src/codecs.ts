import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { init as zstdInit, decompress as zstdWasm } from '@bokuweb/zstd-wasm'
import type { CompressionCodec, Compressors } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { snappyDecompress, snappyHeader } from './snappy.js'

/** Every Parquet codec but LZO: what this package reads and writes. */
export const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'] as const

/** The codecs this package reads. LZO is the one Parquet codec it does not. */
export const READ_CODECS: ReadonlySet<CompressionCodec> = new Set<CompressionCodec>(CODECS)

type Decompressor = (input: Uint8Array, size: number) => Uint8Array
const snappyWasm = compressors.SNAPPY as Decompressor
/**
 * SNAPPY pages that shrank to at most this share of their size, or hardly shrank at all (at least
 * {@link JS_SNAPPY_LITERAL} of it), are decompressed in JS: their long copies or long literals are
 * bulk moves there, and no copy into and out of WASM memory is made. Others go to the WASM build
 * (many short literals and copies, where it is several times faster).
 */
const JS_SNAPPY_RATIO = 0.25
const JS_SNAPPY_LITERAL = 0.85
const zstdJs = compressors.ZSTD as Decompressor
let zstdReady: Promise<void> | undefined
let zstdLoaded = false

/** Loads the WASM ZSTD decoder (once per thread); until it is loaded, ZSTD pages decode in JS. */
export function loadCodecs(): Promise<void> {
  zstdReady ??= zstdInit().then(
    () => {
      zstdLoaded = true
    },
    () => undefined,
  )
  return zstdReady
}

/** How the WASM build reports an error of libzstd itself (a frame it found corrupt). */
const ZSTD_ERROR = /^Failed to compress with code/

/**
 * ZSTD: the WASM build of libzstd (2-3x faster), or the JS decoder for a frame it will not take.
 * A frame libzstd finds corrupt is an error: the JS decoder checks less and would turn damaged
 * bytes into values (ZSTD frames in Parquet carry no checksum).
 */
function zstd(input: Uint8Array, size: number): Uint8Array {
  // the WASM decoder allocates what the frame claims, and its memory never shrinks: only a frame
  // that claims the page's own size goes there
  if (zstdLoaded && zstdContentSize(input) === size) {
    let out: Uint8Array | undefined
    try {
      out = zstdWasm(input)
    } catch (err) {
      if (err instanceof Error && ZSTD_ERROR.test(err.message)) {
        throw new Error(`ZSTD frame is corrupt (libzstd error ${err.message.replace(ZSTD_ERROR, '').trim()})`)
      }
      // the WASM module failed (its memory): the JS decoder takes the frame
    }
    if (out !== undefined) return out // its length is checked against the page's by the caller
  }
  return zstdJs(input, size)
}
const lz4 = compressors.LZ4 as Decompressor
const lz4Raw = compressors.LZ4_RAW as Decompressor

/**
 * `input` decompressed with `codec` into exactly `size` bytes: SNAPPY in JS (see snappy.ts) into
 * `into` when it is given and large enough (the result is then a view of it) or by the WASM build
 * of hyparquet-compressors (see {@link JS_SNAPPY_RATIO}), GZIP and
 * BROTLI by node:zlib, ZSTD by the zstd WASM build (hyparquet-compressors' JS decoder before it
 * loads), LZ4 and LZ4_RAW by hyparquet-compressors. Anything that does not come out at `size`
 * bytes is an error: the page is corrupt.
 */
export function decompress(
  codec: CompressionCodec,
  input: Uint8Array,
  size: number,
  into?: Uint8Array | undefined,
): Uint8Array {
  let out: Uint8Array
  switch (codec) {
    case 'UNCOMPRESSED':
      out = input
      break
    case 'SNAPPY': {
      snappyLength(input, size)
      if (input.length > size * JS_SNAPPY_RATIO && input.length < size * JS_SNAPPY_LITERAL) {
        out = snappyWasm(input, size)
        break
      }
      const target = into && into.length >= size ? into : new Uint8Array(size)
      snappyDecompress(input, target, size)
      out = target.length === size ? target : target.subarray(0, size)
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

/** The content size a ZSTD frame header declares, or -1 (absent, or not a ZSTD frame). */
function zstdContentSize(input: Uint8Array): number {
  if (input.length < 6 || input[0] !== 0x28 || input[1] !== 0xb5 || input[2] !== 0x2f || input[3] !== 0xfd)
    return -1
  const descriptor = input[4] as number
  const fcsFlag = descriptor >>> 6
  const single = (descriptor >>> 5) & 1
  const dictBytes = [0, 1, 2, 4][descriptor & 3] as number
  const fcsBytes = fcsFlag === 0 ? single : ([1, 2, 4, 8][fcsFlag] as number)
  if (fcsBytes === 0) return -1
  let at = 5 + (single ? 0 : 1) + dictBytes
  if (at + fcsBytes > input.length) return -1
  let value = 0
  for (let i = 0; i < fcsBytes; i++) value += (input[at++] as number) * 2 ** (8 * i)
  return fcsBytes === 2 ? value + 256 : value
}

/** The uncompressed length a snappy block starts with, checked against the page header's `size`. */
function snappyLength(input: Uint8Array, size: number): number {
  // (hysnappy checks neither the header against the page nor the output against the header)
  const claimed = snappyHeader(input).length
  if (claimed !== size)
    throw new Error(`snappy data holds ${claimed} bytes where the page header says ${size}`)
  return claimed
}

/**
 * The same decompressors ({@link decompress}, checks included) in the shape hyparquet takes, for
 * the nested columns it assembles.
 */
export const decompressors: Compressors = Object.fromEntries(
  CODECS.filter((codec) => codec !== 'UNCOMPRESSED').map((codec) => [
    codec,
    (input: Uint8Array, size: number) => decompress(codec, input, size),
  ]),
) as Compressors
