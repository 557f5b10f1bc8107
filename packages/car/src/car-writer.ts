import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { fileSystemError } from '@sd/core'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import type { BusyClock } from './busy-clock.js'
import { encodeCarHeader } from './car-header.js'
import { cidBlockKey } from './cid.js'
import { CarError } from './errors.js'
import { varintLength, writeVarint } from './varint.js'

/** Where a block landed in the CAR. */
export interface BlockPlace {
  /** Offset of the block's bytes. */
  blockOffset: number
  blockLength: number
}

/** Counts of a finished CAR. */
export interface CarWriteResult {
  /** Bytes of the CAR file. */
  bytes: number
  /** Blocks written (each CID once). */
  blocks: number
  /** Blocks skipped because the same CID was already written. */
  duplicates: number
}

/** The largest block written: 1 MiB of data and room for a node's or a column's header. */
export const MAX_WRITTEN_BLOCK_BYTES = (1 << 20) + (64 << 10)
/** Bytes queued before a write starts; writes in flight are bounded by twice this. */
const WRITE_BATCH_BYTES = 4 << 20
/** Blocks smaller than this are copied into a staging buffer, so a write never carries many tiny buffers. */
const COPY_BELOW = 64 << 10
const STAGING_BYTES = 256 << 10

/**
 * Writes a CARv1 file block by block, each CID once, in bounded memory. The roots are decided at
 * the end ({@link CarFileWriter.finish}): the header is written first with a placeholder root of
 * the same byte length, then overwritten. The CAR is written to a temporary file beside the
 * target and renamed into place only when complete, so a failure never leaves a partial CAR nor
 * destroys an existing file at that path.
 */
export class CarFileWriter {
  readonly path: string
  readonly #tmp: string
  readonly #handle: FileHandle
  readonly #headerLength: number
  readonly #placeholder: CID
  readonly #places = new Map<string, BlockPlace>()
  #queue: Uint8Array[] = []
  #queued = 0
  /** Callbacks of the queued blocks, run once their write is done. */
  #releases: (() => void)[] = []
  #staging = new Uint8Array(STAGING_BYTES)
  /** Bytes of the staging buffer already queued, and bytes filled. */
  #stageStart = 0
  #staged = 0
  #position: number
  #inFlight: Promise<void>[] = []
  #failed: unknown
  #duplicates = 0
  #done = false
  readonly #clock: BusyClock | undefined

  private constructor(
    path: string,
    tmp: string,
    handle: FileHandle,
    placeholder: CID,
    clock: BusyClock | undefined,
  ) {
    this.path = path
    this.#clock = clock
    this.#tmp = tmp
    this.#handle = handle
    this.#placeholder = placeholder
    const header = encodeCarHeader([placeholder])
    this.#headerLength = header.length
    this.#position = 0
    this.#append(header)
  }

  /**
   * Opens a writer for `path`. `rootLike` is a CID of the same version, codec and hash as the
   * root that {@link CarFileWriter.finish} will name (its digest does not matter). `clock` times
   * the writes.
   */
  static async create(path: string, rootLike: CID, clock?: BusyClock): Promise<CarFileWriter> {
    const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.partial`
    let handle: FileHandle
    try {
      handle = await open(tmp, 'w')
    } catch (err) {
      throw fileSystemError(err, path, 'create')
    }
    const digest = rootLike.multihash
    const zero = createDigest(digest.code, new Uint8Array(digest.digest.length))
    const placeholder =
      rootLike.version === 0 ? CID.createV0(zero as never) : CID.createV1(rootLike.code, zero)
    return new CarFileWriter(path, tmp, handle, placeholder, clock)
  }

  /** Bytes written or queued so far. */
  get byteLength(): number {
    return this.#position + this.#queued
  }

  /** Blocks written so far. */
  get blockCount(): number {
    return this.#places.size
  }

  /** Where each block is, by {@link blockKey} (its multihash). */
  get places(): ReadonlyMap<string, BlockPlace> {
    return this.#places
  }

  /** True when the block is already in the CAR. */
  has(cid: CID): boolean {
    return this.#places.has(cidBlockKey(cid))
  }

  /**
   * Queues one block; a block already written (the same multihash) is skipped (returns false). The caller must await
   * {@link CarFileWriter.drain} often enough (after each block or each MiB) to bound memory.
   * `block` must not change until the writer is done with it: then `release` is called (at once
   * for a duplicate or a small block, which is copied), so the caller may reuse the buffer.
   */
  put(cid: CID, block: Uint8Array, release?: () => void): boolean {
    if (block.length > MAX_WRITTEN_BLOCK_BYTES) {
      throw new CarError(
        `A block of ${block.length} bytes is over the ${MAX_WRITTEN_BLOCK_BYTES}-byte limit sd writes`,
        {
          code: 'CAR_BLOCK_TOO_LARGE',
          cid: cid.toString(),
          location: { file: this.path },
        },
      )
    }
    const key = cidBlockKey(cid)
    const cidBytes = cid.bytes
    if (this.#places.has(key)) {
      this.#duplicates++
      release?.()
      return false
    }
    const sectionLength = cidBytes.length + block.length
    const prefix = new Uint8Array(varintLength(sectionLength) + cidBytes.length)
    const at = writeVarint(sectionLength, prefix, 0)
    prefix.set(cidBytes, at)
    this.#append(prefix)
    this.#places.set(key, { blockOffset: this.byteLength, blockLength: block.length })
    this.#append(block, release)
    return true
  }

  /** Queues bytes: small ones copied into the staging buffer, large ones as they are (`release` runs once they are written). */
  #append(bytes: Uint8Array, release?: () => void): void {
    if (bytes.length < COPY_BELOW) {
      if (this.#staged + bytes.length > this.#staging.length) {
        this.#unstage()
        this.#staging = new Uint8Array(STAGING_BYTES)
        this.#stageStart = 0
        this.#staged = 0
      }
      this.#staging.set(bytes, this.#staged)
      this.#staged += bytes.length
      this.#queued += bytes.length
      release?.()
      return
    }
    this.#unstage()
    this.#queue.push(bytes)
    this.#queued += bytes.length
    if (release) this.#releases.push(release)
  }

  /** Moves the staged bytes into the queue. */
  #unstage(): void {
    if (this.#staged === this.#stageStart) return
    this.#queue.push(this.#staging.subarray(this.#stageStart, this.#staged))
    this.#stageStart = this.#staged
  }

  /** Starts writing what is queued once enough is, and waits while too much is in flight. */
  async drain(): Promise<void> {
    if (this.#failed) throw this.#failed
    if (this.#queued >= WRITE_BATCH_BYTES) this.#flush()
    while (this.#inFlight.length > 1) await this.#inFlight.shift()
    if (this.#failed) throw this.#failed
  }

  /**
   * Writes what is left, puts `root` in the header, and renames the CAR into place. `root` must
   * have the byte length of the placeholder given to {@link CarFileWriter.create}.
   */
  async finish(root: CID): Promise<CarWriteResult> {
    this.#flush()
    await Promise.all(this.#inFlight)
    if (this.#failed) throw this.#failed
    const header = encodeCarHeader([root])
    if (header.length !== this.#headerLength) {
      throw new CarError(`The root ${root} does not fit the header written for ${this.#placeholder}`, {
        code: 'CAR_BAD_HEADER',
        location: { file: this.path },
      })
    }
    try {
      await this.#handle.write(header, 0, header.length, 0)
      await this.#handle.close()
      this.#done = true
      await rename(this.#tmp, this.path)
    } catch (err) {
      await this.abort()
      throw fileSystemError(err, this.path, 'write')
    }
    return { bytes: this.#position, blocks: this.#places.size, duplicates: this.#duplicates }
  }

  /** Stops writing and deletes the temporary file (the target path is untouched). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.#inFlight)
    if (!this.#done) await this.#handle.close().catch(() => undefined)
    this.#done = true
    await rm(this.#tmp, { force: true }).catch(() => undefined)
  }

  #flush(): void {
    this.#unstage()
    if (this.#queue.length === 0) return
    const buffers = this.#queue
    const releases = this.#releases
    const position = this.#position
    this.#position += this.#queued
    this.#queue = []
    this.#releases = []
    this.#queued = 0
    const writing = writeAll(this.#handle, buffers, position)
    const write = (this.#clock ? this.#clock.time(writing) : writing)
      .catch((err: unknown) => {
        this.#failed ??= fileSystemError(err, this.path, 'write')
      })
      .finally(() => {
        for (const release of releases) release()
      })
    this.#inFlight.push(write)
  }
}

/** `writev` until every buffer is written (it may write less than asked). */
async function writeAll(handle: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  let rest = buffers
  let at = position
  for (;;) {
    const total = rest.reduce((n, b) => n + b.length, 0)
    if (total === 0) return
    const { bytesWritten } = await handle.writev(rest, at)
    if (bytesWritten === total) return
    at += bytesWritten
    let skip = bytesWritten
    const next: Uint8Array[] = []
    for (const b of rest) {
      if (skip >= b.length) {
        skip -= b.length
        continue
      }
      next.push(skip > 0 ? b.subarray(skip) : b)
      skip = 0
    }
    rest = next
  }
}
