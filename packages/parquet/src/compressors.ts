import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { compress as zstdCompress } from '@bokuweb/zstd-wasm'
import { CODECS, loadCodecs } from './codecs.js'

/** The codecs {@link writeParquet} writes. */
export type WriteCodec = (typeof CODECS)[number]

/** Every codec {@link writeParquet} writes (all that it reads). */
export const WRITE_CODECS: readonly WriteCodec[] = CODECS

type Compressor = (input: Uint8Array) => Uint8Array

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
      // one instance of the WASM module per thread, shared with the reader
      await loadCodecs()
      return (input) => zstdCompress(input, 3)
    case 'LZ4_RAW':
      return lz4Block
    case 'LZ4':
      return lz4Hadoop
    default:
      return undefined
  }
}

/** Matches may not start in the last 12 bytes of a block, nor reach into its last 5 (LZ4 spec). */
const MF_LIMIT = 12
const LAST_LITERALS = 5
const MIN_MATCH = 4
const MAX_OFFSET = 65_535
const HASH_BITS = 16

/**
 * One LZ4 block (the LZ4_RAW codec): a greedy single-pass compressor with a 64K-entry hash table,
 * keeping the end-of-block rules the reference decoder enforces.
 */
export function lz4Block(src: Uint8Array): Uint8Array {
  const n = src.length
  const out = new Uint8Array(n + Math.ceil(n / 255) + 16)
  if (n < MF_LIMIT + 1) return out.subarray(0, writeSequence(out, 0, src, 0, n, 0, 0))
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength)
  const table = new Int32Array(1 << HASH_BITS).fill(-1)
  const lastMatchStart = n - MF_LIMIT
  const matchEnd = n - LAST_LITERALS
  let anchor = 0
  let ip = 0
  let op = 0
  while (ip <= lastMatchStart) {
    const seq = view.getUint32(ip, true)
    const h = Math.imul(seq, 2654435761) >>> (32 - HASH_BITS)
    const ref = table[h] as number
    table[h] = ip
    if (ref < 0 || ip - ref > MAX_OFFSET || view.getUint32(ref, true) !== seq) {
      // skip faster through data that does not compress
      ip += 1 + ((ip - anchor) >> 6)
      continue
    }
    let len = MIN_MATCH
    while (ip + len < matchEnd && src[ref + len] === src[ip + len]) len++
    op = writeSequence(out, op, src, anchor, ip - anchor, ip - ref, len)
    ip += len
    anchor = ip
  }
  op = writeSequence(out, op, src, anchor, n - anchor, 0, 0)
  return out.subarray(0, op)
}

/** Writes literals `src[from, from + literals)` then, when `matchLength > 0`, a match; returns the new end. */
function writeSequence(
  out: Uint8Array,
  op: number,
  src: Uint8Array,
  from: number,
  literals: number,
  offset: number,
  matchLength: number,
): number {
  const extra = matchLength > 0 ? matchLength - MIN_MATCH : 0
  const token = op++
  out[token] = (Math.min(literals, 15) << 4) | (matchLength > 0 ? Math.min(extra, 15) : 0)
  if (literals >= 15) op = writeLength(out, op, literals - 15)
  out.set(src.subarray(from, from + literals), op)
  op += literals
  if (matchLength > 0) {
    out[op++] = offset & 0xff
    out[op++] = offset >> 8
    if (extra >= 15) op = writeLength(out, op, extra - 15)
  }
  return op
}

function writeLength(out: Uint8Array, op: number, rest: number): number {
  let r = rest
  for (; r >= 255; r -= 255) out[op++] = 255
  out[op++] = r
  return op
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
