import { fileURLToPath } from 'node:url'
import {
  type HttpRangeOptions,
  isRemoteSource,
  openRange,
  type RangeReader,
  type S3Options,
  schemeOf,
  throwIfAborted,
} from '@sd/core'
import type { CID } from 'multiformats/cid'
import { checkSection, hashMismatch, unsupportedHash } from './block-check.js'
import type { Block } from './block-source.js'
import { type CarLayout, readCarLayout } from './car-header.js'
import { type CarIndex, readSidecar, writeSidecar } from './car-index.js'
import type { DagSource } from './car-reader.js'
import { readSections, type Section } from './car-sections.js'
import type { BlockPlace } from './car-writer.js'
import {
  blockKey,
  type CidParts,
  cidBlockKey,
  cidParts,
  decodeCid,
  digestMatches,
  IDENTITY,
  isSupportedHash,
} from './cid.js'
import { CarError, sourceLocation } from './errors.js'
import { type VerifyReport, verifyCarFile } from './verify.js'

/** Blocks above this are refused (the IPFS network's 2 MiB limit; sd writes at most 1 MiB + a node). */
export const DEFAULT_MAX_BLOCK_BYTES = 2 << 20

/** Options of a CAR file source. */
export interface CarFileOptions extends HttpRangeOptions {
  /**
   * The sidecar index (`<car>.idx`): `'auto'` (default) uses a valid one and writes one after
   * scanning a CAR of 64 MiB or more; `true` always writes one after a scan; `false` never reads
   * nor writes one.
   */
  index?: boolean | 'auto'
  /** Largest block accepted, in bytes. Default 2 MiB. */
  maxBlockBytes?: number
  /**
   * Credentials, region and endpoint for `s3://bucket/key` CARs; each defaults to its AWS
   * environment variable.
   */
  s3?: S3Options
}

const AUTO_INDEX_BYTES = 64 << 20

/**
 * What opening a CAR learned (its layout and index) for the version of the CAR it read, so that
 * opening it again (each unit of a sharded pass, each pass over a remote CAR) skips the scan.
 */
export interface CarFileKnown {
  readonly version: string
  readonly byteLength: number
  readonly layout: CarLayout
  readonly index: CarIndex
  readonly fromSidecar: boolean
}

/**
 * The blocks of a CARv1 or CARv2 file, local or remote (`http(s)://`, `s3://`, or a scheme
 * registered with core such as `hf://`), found through an index (the
 * sidecar, or a scan of the section headers). Every block handed out is hashed against its CID.
 */
export class CarFileSource implements DagSource {
  readonly name: string
  readonly roots: readonly CID[]
  readonly layout: CarLayout
  readonly index: CarIndex
  readonly maxBlockBytes: number
  /** True when the index came from the sidecar (no scan). */
  readonly indexFromSidecar: boolean
  readonly #reader: RangeReader

  private constructor(
    reader: RangeReader,
    layout: CarLayout,
    index: CarIndex,
    maxBlockBytes: number,
    fromSidecar: boolean,
  ) {
    this.#reader = reader
    this.name = reader.name
    this.layout = layout
    this.roots = layout.roots
    this.index = index
    this.maxBlockBytes = maxBlockBytes
    this.indexFromSidecar = fromSidecar
  }

  /**
   * Opens a CAR: reads its header, then its index (sidecar or scan), or takes both from `known`
   * when the CAR is still the version they were read from (same size and version tag).
   */
  static async open(
    source: string,
    options: CarFileOptions = {},
    known?: CarFileKnown,
  ): Promise<CarFileSource> {
    const signal = options.signal
    // a remote CAR has no sidecar beside it; a `file:` URL is a local path
    const remote = isRemoteSource(source)
    const path = schemeOf(source) === 'file' ? fileURLToPath(source) : source
    const { index: _index, maxBlockBytes: _max, ...open } = options
    const reader = await openRange(path, open)
    try {
      const maxBlockBytes = options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
      if (known && known.version === reader.version && known.byteLength === reader.byteLength) {
        return new CarFileSource(reader, known.layout, known.index, maxBlockBytes, known.fromSidecar)
      }
      const layout = await readCarLayout(reader, signal)
      const useSidecar = !remote && options.index !== false
      let index = useSidecar ? await readSidecar(path, reader.version) : undefined
      const fromSidecar = index !== undefined
      if (!index) {
        index = await scanIndex(reader, layout, maxBlockBytes, remote, signal)
        const write =
          options.index === true || (options.index !== false && reader.byteLength >= AUTO_INDEX_BYTES)
        if (useSidecar && write) await writeSidecar(path, reader.version, index)
      }
      return new CarFileSource(reader, layout, index, maxBlockBytes, fromSidecar)
    } catch (err) {
      await reader.close()
      throw err
    }
  }

  /** Bytes of the CAR file. */
  get byteLength(): number {
    return this.#reader.byteLength
  }

  /** The layout and index, to open the same CAR again without reading them (see {@link CarFileSource.open}). */
  get known(): CarFileKnown {
    const reader = this.#reader
    return {
      version: reader.version,
      byteLength: reader.byteLength,
      layout: this.layout,
      index: this.index,
      fromSidecar: this.indexFromSidecar,
    }
  }

  /** The CAR's range reader (for counting what a read touched). */
  get reader(): RangeReader {
    return this.#reader
  }

  async has(cid: CID): Promise<boolean> {
    return cid.multihash.code === IDENTITY || this.index.has(cidBlockKey(cid))
  }

  /** Where the block is in the CAR, if it is there. */
  place(cid: CID): BlockPlace | undefined {
    return this.index.get(cidBlockKey(cid))
  }

  async get(cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
    const parts = cidParts(cid)
    if (!isSupportedHash(parts.hashCode))
      throw unsupportedHash(cid.toString(), parts.hashCode, sourceLocation(this.name))
    if (parts.hashCode === IDENTITY) return cid.multihash.digest
    const place = this.index.get(blockKey(cid.bytes, parts))
    if (!place) {
      throw new CarError('The block is not in the CAR', {
        code: 'CAR_MISSING_BLOCK',
        cid: cid.toString(),
        location: sourceLocation(this.name),
      })
    }
    const bytes = await this.#reader.read(place.blockOffset, place.blockOffset + place.blockLength, signal)
    if (bytes.length !== place.blockLength) {
      throw new CarError(
        `The CAR ends inside the block: ${bytes.length} of ${place.blockLength} bytes are there`,
        {
          code: 'CAR_TRUNCATED',
          cid: cid.toString(),
          location: sourceLocation(this.name, place.blockOffset),
        },
      )
    }
    if (!digestMatches(cid.bytes, parts, bytes)) {
      throw hashMismatch(cid.toString(), sourceLocation(this.name, place.blockOffset))
    }
    return bytes
  }

  /**
   * Every block in file order, each checked against its CID; the first block that does not match
   * ends the iteration with `CAR_HASH_MISMATCH` (it is never handed out). Blocks are views into
   * the read buffers: copy one to keep it long.
   */
  async *blocks(signal?: AbortSignal): AsyncGenerator<Block> {
    for await (const section of this.sections(true, signal)) {
      const error = checkSection(section, this.name)
      if (error) throw error
      yield { cid: decodeCid(section.cid), bytes: section.block as Uint8Array }
    }
  }

  /** The raw sections in file order (blocks unchecked; `readBlocks` reads their bytes). */
  sections(readBlocks: boolean, signal?: AbortSignal): AsyncGenerator<Section> {
    return readSections(this.#reader, this.layout.sectionsStart, this.layout.sectionsEnd, {
      readBlocks,
      maxBlockBytes: this.maxBlockBytes,
      signal,
    })
  }

  /** Hashes every block and lists what the roots' DAGs lack. */
  verify(signal?: AbortSignal): Promise<VerifyReport> {
    return verifyCarFile(this, signal)
  }

  async close(): Promise<void> {
    await this.#reader.close()
  }
}

async function scanIndex(
  reader: RangeReader,
  layout: CarLayout,
  maxBlockBytes: number,
  remote: boolean,
  signal: AbortSignal | undefined,
): Promise<CarIndex> {
  const index = new Map<string, BlockPlace>()
  for await (const s of readSections(reader, layout.sectionsStart, layout.sectionsEnd, {
    readBlocks: false,
    maxBlockBytes,
    signal,
    ...(remote ? { probeBytes: 8 << 20 } : {}),
  })) {
    throwIfAborted(signal)
    const key = blockKey(s.cid, s.parts as CidParts)
    if (!index.has(key)) index.set(key, { blockOffset: s.blockOffset, blockLength: s.blockLength })
  }
  return index
}
