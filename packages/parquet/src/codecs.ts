import type { CompressionCodec, Compressors } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

/**
 * Decompressors for reading: hyparquet's own SNAPPY is replaced by hyparquet-compressors' WASM
 * one, which is faster, and GZIP, BROTLI, ZSTD, LZ4 (Hadoop framing or raw) and LZ4_RAW are added.
 */
export const decompressors: Compressors = compressors

/** Every Parquet codec but LZO: what this package reads and writes. */
export const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'] as const

/** The codecs this package reads. LZO is the one Parquet codec it does not. */
export const READ_CODECS: ReadonlySet<CompressionCodec> = new Set<CompressionCodec>(CODECS)
