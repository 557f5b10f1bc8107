import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { type CidParts, readCidParts } from './cid.js'
import { CarError, sourceLocation } from './errors.js'
import { MAX_VARINT_BYTES, readVarint } from './varint.js'

/** A section read from a CAR stream: the block is unchecked until the caller checks it. */
export interface StreamSection {
  cid: CID
  cidBytes: Uint8Array
  parts: CidParts
  bytes: Uint8Array
  /** Offset of the section in the stream. */
  offset: number
}

/** The CAR stream's header and its sections, read as the bytes arrive. */
export interface CarStream {
  roots: CID[]
  sections: AsyncGenerator<StreamSection>
}

/** Pulls the next piece of the stream; `undefined` at its end. */
export type ChunkPuller = () => Promise<Uint8Array | undefined>

/**
 * Reads a CARv1 stream chunk by chunk (a gateway's response body), holding at most one section
 * plus one chunk in memory. A stream that ends inside the header or a section is `CAR_TRUNCATED`,
 * a malformed varint `CAR_BAD_VARINT`, a block over `maxBlockBytes` `CAR_BLOCK_TOO_LARGE`; each
 * names `name` (the URL) and the offset in the stream.
 */
export async function readCarStream(
  pull: ChunkPuller,
  name: string,
  maxBlockBytes: number,
): Promise<CarStream> {
  const buffer = new StreamBuffer(pull)
  const headerLength = await buffer.varint(name)
  if (headerLength === undefined) {
    throw new CarError('Expected a CAR stream, got an empty body', {
      code: 'CAR_TRUNCATED',
      location: sourceLocation(name, 0),
    })
  }
  if (headerLength === 0 || headerLength > 1 << 20) {
    throw new CarError(`Expected a CAR header length between 1 and 1 MiB, got ${headerLength}`, {
      code: 'CAR_BAD_HEADER',
      location: sourceLocation(name, 0),
    })
  }
  const headerBytes = await buffer.take(headerLength)
  if (!headerBytes) {
    throw new CarError('The CAR stream ends inside its header', {
      code: 'CAR_TRUNCATED',
      location: sourceLocation(name, 0),
    })
  }
  let header: { version?: unknown; roots?: unknown }
  try {
    header = dagCbor.decode(headerBytes) as typeof header
  } catch (err) {
    throw new CarError(`The CAR header does not decode: ${(err as Error).message}`, {
      code: 'CAR_BAD_HEADER',
      location: sourceLocation(name, 0),
      cause: err,
    })
  }
  if (header?.version !== 1 || !Array.isArray(header.roots) || header.roots.some((r) => !CID.asCID(r))) {
    throw new CarError('Expected a CARv1 header with its roots', {
      code: 'CAR_BAD_HEADER',
      location: sourceLocation(name, 0),
    })
  }
  const roots = header.roots.map((r) => CID.asCID(r) as CID)
  return { roots, sections: sections(buffer, name, maxBlockBytes) }
}

async function* sections(
  buffer: StreamBuffer,
  name: string,
  maxBlockBytes: number,
): AsyncGenerator<StreamSection> {
  for (;;) {
    const offset = buffer.offset
    const length = await buffer.varint(name)
    if (length === undefined) return
    if (length === 0) {
      throw new CarError('Expected a section length, got zero', {
        code: 'CAR_BAD_VARINT',
        location: sourceLocation(name, offset),
      })
    }
    if (length > maxBlockBytes + 256) {
      throw new CarError(`A section of ${length} bytes is over the block limit of ${maxBlockBytes} bytes`, {
        code: 'CAR_BLOCK_TOO_LARGE',
        location: sourceLocation(name, offset),
      })
    }
    const section = await buffer.take(length)
    if (!section) {
      throw new CarError(`The CAR stream ends inside a section of ${length} bytes`, {
        code: 'CAR_TRUNCATED',
        location: sourceLocation(name, offset),
      })
    }
    const bad = () =>
      new CarError('Expected a CID at the start of the section', {
        code: 'CAR_BAD_CID',
        location: sourceLocation(name, offset),
      })
    const parts = readCidParts(section, 0, bad)
    if (!parts) throw bad()
    const bytes = section.subarray(parts.length)
    if (bytes.length > maxBlockBytes) {
      throw new CarError(`A block of ${bytes.length} bytes is over the limit of ${maxBlockBytes} bytes`, {
        code: 'CAR_BLOCK_TOO_LARGE',
        location: sourceLocation(name, offset),
      })
    }
    const cidBytes = section.subarray(0, parts.length)
    yield { cid: CID.decode(cidBytes), cidBytes, parts, bytes, offset }
  }
}

/** Bytes pulled from a stream on demand, with the offset of what was taken so far. */
class StreamBuffer {
  readonly #pull: ChunkPuller
  #chunks: Uint8Array[] = []
  #available = 0
  #ended = false
  offset = 0

  constructor(pull: ChunkPuller) {
    this.#pull = pull
  }

  /** Makes `n` bytes available; false when the stream ends first. */
  async #fill(n: number): Promise<boolean> {
    while (this.#available < n && !this.#ended) {
      const chunk = await this.#pull()
      if (chunk === undefined) this.#ended = true
      else if (chunk.length > 0) {
        this.#chunks.push(chunk)
        this.#available += chunk.length
      }
    }
    return this.#available >= n
  }

  /** A varint; `undefined` at a clean end of the stream. */
  async varint(name: string): Promise<number | undefined> {
    await this.#fill(MAX_VARINT_BYTES)
    if (this.#available === 0) return undefined
    const head = this.#peek(Math.min(MAX_VARINT_BYTES, this.#available))
    const v = readVarint(head, 0)
    if (v === 'invalid') {
      throw new CarError('Expected a varint, got a malformed one', {
        code: 'CAR_BAD_VARINT',
        location: sourceLocation(name, this.offset),
      })
    }
    if (v === undefined) {
      throw new CarError('The CAR stream ends inside a varint', {
        code: 'CAR_TRUNCATED',
        location: sourceLocation(name, this.offset),
      })
    }
    this.#consume(v.length)
    return v.value
  }

  /** Exactly `n` bytes (copied out of the chunks when they span several), or `undefined` at the end. */
  async take(n: number): Promise<Uint8Array | undefined> {
    if (!(await this.#fill(n))) return undefined
    const out = this.#peek(n)
    this.#consume(n)
    return out
  }

  #peek(n: number): Uint8Array {
    const first = this.#chunks[0] as Uint8Array
    if (first.length >= n) return first.subarray(0, n)
    const out = new Uint8Array(n)
    let at = 0
    for (const chunk of this.#chunks) {
      const part = chunk.subarray(0, Math.min(chunk.length, n - at))
      out.set(part, at)
      at += part.length
      if (at === n) break
    }
    return out
  }

  #consume(n: number): void {
    this.offset += n
    this.#available -= n
    let left = n
    while (left > 0) {
      const first = this.#chunks[0] as Uint8Array
      if (first.length <= left) {
        this.#chunks.shift()
        left -= first.length
      } else {
        this.#chunks[0] = first.subarray(left)
        left = 0
      }
    }
  }
}
