import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import * as dagCbor from '@ipld/dag-cbor'
import { fileSystemError } from '@sd/core'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { type BlockPlace, indexCarFile } from './car-index.js'
import { closedError, corrupt } from './errors.js'
import { FORMAT, type IndexManifest, MAX_BLOCK_BYTES, VERSION } from './manifest.js'
import { METRICS } from './metric.js'
import { nextTurn } from './turn.js'

/** A saved index opened for reading: the verified manifest and verified access to its blocks. */
export class OpenedIndex {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
    readonly manifest: IndexManifest,
    private readonly places: Map<string, BlockPlace>,
  ) {}

  /** Opens `path`, indexes its blocks and reads and checks its manifest. */
  static async open(path: string): Promise<OpenedIndex> {
    let fd: number | undefined
    try {
      fd = openSync(path, 'r')
      const { roots, places } = indexCarFile(fd, fstatSync(fd).size, path)
      const root = roots[0]
      if (roots.length !== 1 || !root)
        throw corrupt('CAR_BAD_HEADER', `Expected one root (the manifest), got ${roots.length}`, path)
      const opened = new OpenedIndex(path, fd, undefined as never, places)
      const bytes = opened.block(root)
      let manifest: unknown
      try {
        manifest = dagCbor.decode(bytes)
      } catch (cause) {
        throw corrupt('CAR_BAD_HEADER', 'The root block is not a dag-cbor manifest', path, cause)
      }
      checkManifest(manifest, path)
      ;(opened as unknown as { manifest: IndexManifest }).manifest = manifest
      opened.checkVectorBlocks()
      return opened
    } catch (error) {
      if (fd !== undefined) closeSync(fd)
      throw fileSystemError(error, path)
    }
  }

  private place(cid: CID): BlockPlace {
    const place = this.places.get(cid.toString())
    if (!place)
      throw corrupt(
        'CAR_MISSING_BLOCK',
        `Block ${cid} is linked from the manifest but not in the CAR`,
        this.path,
      )
    return place
  }

  /** Reads block `cid` into `out` (or a new array) and checks its sha256; returns the bytes. */
  block(cid: CID, out?: Uint8Array): Uint8Array {
    if (this.fd === undefined) throw closedError()
    const place = this.place(cid)
    if (out && out.length !== place.length)
      throw corrupt(
        'KNN_BAD_SAVE',
        `Block ${cid} holds ${place.length} bytes, expected ${out.length}`,
        this.path,
      )
    const bytes = out ?? new Uint8Array(place.length)
    for (let done = 0; done < bytes.length; ) {
      const got = readSync(this.fd, bytes, done, bytes.length - done, place.offset + done)
      if (got === 0) throw corrupt('CAR_TRUNCATED', `The CAR ends inside block ${cid}`, this.path)
      done += got
    }
    verify(cid, bytes, this.path)
    return bytes
  }

  /**
   * Checks, before anything is allocated or read, that every vector block is present and that they
   * hold exactly the manifest's rows: whole rows, `rowsPerBlock` per block but the last.
   */
  checkVectorBlocks(): void {
    const m = this.manifest
    const rowBytes = m.dimension * 4
    m.vectors.forEach((cid, b) => {
      const rows = Math.min(m.rowsPerBlock, m.rows - b * m.rowsPerBlock)
      const length = this.place(cid).length
      if (length !== rows * rowBytes)
        throw corrupt(
          'KNN_BAD_SAVE',
          `Vector block ${b} holds ${length} bytes, expected ${rows * rowBytes}`,
          this.path,
        )
    })
  }

  /** Byte offset of block `cid`'s data in the CAR file (for positional reads of vector rows). */
  offsetOf(cid: CID): number {
    return this.place(cid).offset
  }

  /** Every raw int32 block in `cids`, verified, concatenated (in a SharedArrayBuffer if `shared`). */
  ints(cids: CID[], count: number, shared = false): Int32Array {
    const out = new Int32Array(shared ? new SharedArrayBuffer(count * 4) : new ArrayBuffer(count * 4))
    const bytes = new Uint8Array(out.buffer)
    let at = 0
    for (const cid of cids) {
      const length = this.place(cid).length
      if (at + length > bytes.length)
        throw corrupt('KNN_BAD_SAVE', `Integer blocks hold more than ${count} values`, this.path)
      this.block(cid, bytes.subarray(at, at + length))
      at += length
    }
    if (at !== bytes.length)
      throw corrupt('KNN_BAD_SAVE', `Integer blocks hold fewer than ${count} values`, this.path)
    return out
  }

  /** Every raw float32 block in `cids`, verified, concatenated. */
  floats(cids: CID[], count: number): Float32Array {
    const ints = this.ints(cids, count)
    return new Float32Array(ints.buffer)
  }

  /** Reads and checks every block of `cids` without keeping them, letting the event loop turn every 64 blocks. */
  async verifyBlocks(cids: CID[]): Promise<void> {
    const scratch = new Uint8Array(MAX_BLOCK_BYTES)
    for (let b = 0; b < cids.length; b++) {
      const cid = cids[b] as CID
      this.block(cid, scratch.subarray(0, this.place(cid).length))
      if (b % 64 === 63) await nextTurn()
    }
  }

  /** The file descriptor, for positional reads of rows (valid until `close`). */
  get descriptor(): number {
    if (this.fd === undefined) throw closedError()
    return this.fd
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}

function verify(cid: CID, bytes: Uint8Array, path: string): void {
  if (cid.multihash.code !== sha256.code)
    throw corrupt('CAR_HASH_MISMATCH', `Block ${cid} uses a hash other than sha2-256`, path)
  const digest = (sha256.digest(bytes) as unknown as { digest: Uint8Array }).digest
  const expected = cid.multihash.digest
  let same = digest.length === expected.length
  for (let i = 0; same && i < digest.length; i++) same = digest[i] === expected[i]
  if (!same) throw corrupt('CAR_HASH_MISMATCH', `Block ${cid}: its bytes do not hash to its CID`, path)
}

function checkManifest(value: unknown, path: string): asserts value is IndexManifest {
  const m = value as Partial<IndexManifest> | null
  const bad = (what: string) => corrupt('KNN_BAD_SAVE', `Not an sd kNN index manifest: ${what}`, path)
  if (typeof m !== 'object' || m === null) throw bad('the root is not a map')
  if (m.format !== FORMAT) throw bad(`format ${String(m.format)}`)
  if (m.version !== VERSION) throw bad(`version ${String(m.version)} (this package reads ${VERSION})`)
  if (m.kind !== 'knn' && m.kind !== 'ivf') throw bad(`kind ${String(m.kind)}`)
  if (!Number.isInteger(m.dimension) || (m.dimension as number) < 1) throw bad('dimension')
  if (!METRICS.includes(m.metric as never)) throw bad(`metric ${String(m.metric)}`)
  if (!Number.isInteger(m.rows) || (m.rows as number) < 0) throw bad('rows')
  if (!Number.isInteger(m.rowsPerBlock) || (m.rowsPerBlock as number) < 1) throw bad('rowsPerBlock')
  if (
    !Array.isArray(m.vectors) ||
    m.vectors.length !== Math.ceil((m.rows as number) / (m.rowsPerBlock as number))
  )
    throw bad('vector links do not cover the rows')
  if (!Array.isArray(m.metadata) || !Array.isArray(m.removed)) throw bad('metadata or removed links')
  const metadataRows = m.metadata.reduce((s, c) => s + (c?.count ?? 0), 0)
  if (metadataRows !== m.rows) throw bad(`metadata for ${metadataRows} rows, expected ${m.rows}`)
  if (m.kind === 'ivf' && (typeof m.ivf !== 'object' || !Number.isInteger(m.ivf?.nlist)))
    throw bad('ivf lists')
  for (const cid of m.vectors) if (cid?.code !== raw.code) throw bad('a vector link is not a raw block')
}
