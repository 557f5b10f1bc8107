import { type RangeReader, throwIfAborted } from '@sd/core'
import { type CidParts, readCidParts } from './cid.js'
import { CarError, sourceLocation } from './errors.js'
import { MAX_VARINT_BYTES, readVarint } from './varint.js'

/** One section of a CAR: a block and its CID, where they are in the file. */
export interface Section {
  /** The CID's bytes (a view into a read buffer: copy it to keep it). */
  cid: Uint8Array
  parts: CidParts
  /** Offset of the section (its length varint) in the file. */
  offset: number
  /** Offset of the block's bytes in the file. */
  blockOffset: number
  blockLength: number
  /** The block's bytes, when the scan reads blocks (a view into a read buffer). */
  block: Uint8Array | undefined
}

/** Options of {@link readSections}. */
export interface SectionScanOptions {
  /** Read the blocks too (to hash them), or only the section headers (to index). */
  readBlocks: boolean
  /** A section whose block is larger is a `CAR_BLOCK_TOO_LARGE` error. */
  maxBlockBytes: number
  /** Bytes per read when reading blocks. Default 8 MiB. */
  chunkBytes?: number
  /**
   * Bytes per read when only headers are wanted: small (64 KiB, the default) skips over blocks on
   * a local disk; a remote source wants large reads (few requests) instead.
   */
  probeBytes?: number
  signal?: AbortSignal | undefined
}

/** A section header is at most a varint and a CID: a small read covers it. */
const HEADER_PROBE_BYTES = 64 * 1024

/**
 * The sections of a CAR between `start` and `end`, in file order. Reading only headers skips
 * over blocks (one small read per section that does not fit the previous read), so indexing a
 * CAR of large blocks touches a fraction of its bytes. A malformed varint is `CAR_BAD_VARINT`, a
 * section cut off by the end of the data `CAR_TRUNCATED`, a block above the limit
 * `CAR_BLOCK_TOO_LARGE`; each names the file and the section's offset.
 */
export async function* readSections(
  reader: RangeReader,
  start: number,
  end: number,
  options: SectionScanOptions,
): AsyncGenerator<Section> {
  const { readBlocks, maxBlockBytes, signal } = options
  const chunk = Math.max(options.chunkBytes ?? 8 << 20, maxBlockBytes + 1024)
  const name = reader.name
  let buf: Uint8Array = new Uint8Array(0)
  let bufStart = start
  let offset = start
  /**
   * When blocks are read, the next chunk is read while the current one is worked on (hashed),
   * so the disk and the hashing overlap.
   */
  let ahead: { from: number; bytes: Promise<Uint8Array> } | undefined
  const readFrom = async (from: number, to: number): Promise<Uint8Array> => {
    const next = ahead
    ahead = undefined
    if (next?.from === from) {
      const bytes = await next.bytes
      if (from + bytes.length >= to) return bytes
      const rest = await reader.read(from + bytes.length, to, signal)
      const joined = new Uint8Array(bytes.length + rest.length)
      joined.set(bytes, 0)
      joined.set(rest, bytes.length)
      return joined
    }
    return reader.read(from, to, signal)
  }
  const readNext = (from: number) => {
    if (!readBlocks || from >= end) return
    const bytes = reader.read(from, Math.min(end, from + chunk), signal)
    bytes.catch(() => undefined)
    ahead = { from, bytes }
  }
  /**
   * Headers only: makes `[offset, offset + need)` readable in `buf` (reading `readSize` bytes when
   * it must read, skipping what lies between); false when the data ends first.
   */
  const ensureHeader = async (need: number, readSize: number): Promise<boolean> => {
    const bufEnd = bufStart + buf.length
    if (offset + need <= bufEnd) return true
    const keep = offset < bufEnd ? buf.subarray(offset - bufStart) : undefined
    const from = Math.max(offset, bufEnd)
    const to = Math.min(end, offset + Math.max(need, readSize))
    const more = to > from ? await reader.read(from, to, signal) : new Uint8Array(0)
    if (keep && keep.length > 0) {
      const joined = new Uint8Array(keep.length + more.length)
      joined.set(keep, 0)
      joined.set(more, keep.length)
      buf = joined
    } else buf = more
    bufStart = offset
    return offset + need <= bufStart + buf.length
  }
  /** With blocks: the chunk read after `buf` (it may overlap the end of `buf`), once read. */
  let next: Uint8Array | undefined
  let nextStart = 0
  /**
   * With blocks: makes `[offset, offset + need)` readable in `buf`, reading chunk after chunk
   * (the next one read ahead); false when the data ends first. Only a section that straddles two
   * chunks is copied (into a buffer of its own), never a whole chunk.
   */
  const ensureBlocks = async (need: number): Promise<boolean> => {
    for (;;) {
      const bufEnd = bufStart + buf.length
      if (offset + need <= bufEnd) return true
      if (!next) {
        if (bufEnd >= end) return false
        const read = await readFrom(bufEnd, Math.min(end, bufEnd + chunk))
        if (read.length === 0) return false
        next = read
        nextStart = bufEnd
        readNext(nextStart + read.length)
      }
      const nextEnd = nextStart + next.length
      if (offset >= nextStart) {
        buf = next
        bufStart = nextStart
        next = undefined
        continue
      }
      // the wanted bytes straddle `buf` and `next`: copy just them (and a little more, so that a
      // section's CID, read after its length, is there too)
      const to = Math.min(nextEnd, offset + need + 1024)
      const joined = new Uint8Array(to - offset)
      joined.set(buf.subarray(offset - bufStart), 0)
      joined.set(next.subarray(bufEnd - nextStart, to - nextStart), bufEnd - offset)
      buf = joined
      bufStart = offset
      if (to === nextEnd) next = undefined
    }
  }
  const ensure = (need: number, readSize: number): Promise<boolean> =>
    readBlocks ? ensureBlocks(need) : ensureHeader(need, readSize)
  while (offset < end) {
    throwIfAborted(signal)
    await ensure(MAX_VARINT_BYTES + 128, readBlocks ? chunk : (options.probeBytes ?? HEADER_PROBE_BYTES))
    const at = offset - bufStart
    const length = readVarint(buf, at)
    if (length === 'invalid' || length?.value === 0) {
      throw new CarError(
        `Expected a section length varint, got ${length === 'invalid' ? 'a malformed varint' : 'zero'}`,
        {
          code: 'CAR_BAD_VARINT',
          location: sourceLocation(name, offset),
        },
      )
    }
    if (length === undefined || offset + length.length + length.value > end) {
      throw new CarError(
        `The CAR ends inside a section: ${length ? `it declares ${length.value} bytes, ${end - offset - length.length} remain` : 'its length is cut off'}`,
        { code: 'CAR_TRUNCATED', location: sourceLocation(name, offset) },
      )
    }
    const cidStart = at + length.length
    const badCid = () =>
      new CarError('Expected a CID at the start of the section, got bytes that do not parse as one', {
        code: 'CAR_BAD_CID',
        location: sourceLocation(name, offset),
      })
    const parts = readCidParts(buf.subarray(0, at + length.length + length.value), cidStart, badCid)
    if (parts === undefined) {
      throw new CarError(`The section of ${length.value} bytes is too short to hold its CID`, {
        code: 'CAR_BAD_CID',
        location: sourceLocation(name, offset),
      })
    }
    const blockLength = length.value - parts.length
    if (blockLength > maxBlockBytes) {
      throw new CarError(`A block of ${blockLength} bytes is over the limit of ${maxBlockBytes} bytes`, {
        code: 'CAR_BLOCK_TOO_LARGE',
        location: sourceLocation(name, offset),
      })
    }
    const sectionEnd = offset + length.length + length.value
    const blockOffset = sectionEnd - blockLength
    let block: Uint8Array | undefined
    if (readBlocks) {
      if (!(await ensure(length.length + length.value, chunk))) {
        throw new CarError('The CAR ends inside a block', {
          code: 'CAR_TRUNCATED',
          location: sourceLocation(name, offset),
        })
      }
      block = buf.subarray(blockOffset - bufStart, sectionEnd - bufStart)
    }
    const cidAt = offset - bufStart + length.length
    yield { cid: buf.subarray(cidAt, cidAt + parts.length), parts, offset, blockOffset, blockLength, block }
    offset = sectionEnd
  }
}
