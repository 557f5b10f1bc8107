import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { FileRangeReader, IoError, throwIfAborted, ValidationError } from '@sd/core'
import type { CID } from 'multiformats/cid'
import { BusyClock, type StageStats, stage } from './busy-clock.js'
import { CarFileWriter } from './car-writer.js'
import { cborCid } from './cid.js'
import { detectFormat, planFile } from './file-plan.js'
import { finishCar } from './finish-car.js'
import { LineRangeScanner } from './line-ranges.js'
import type { FileFormat, FileManifest } from './manifest.js'
import { type Profile, profileSpec } from './profiles.js'
import { StreamSha256 } from './sha256-worker.js'
import { UnixFsFileBuilder } from './unixfs-builder.js'

/** Options of {@link packFile}. */
export interface PackOptions {
  /** How the file is cut into blocks; decides its CID. Default `'unixfs-v1-2025'`. */
  profile?: Profile
  /** The file's format; `'auto'` (default) tells it from the magic bytes and the name. */
  format?: FileFormat | 'auto'
  /** Records per batch for CSV and NDJSON (Parquet batches are its row groups). Default 100,000. */
  batchRows?: number
  /** Write a sidecar index (`<car>.idx`) so {@link openCar} need not scan the CAR. Default true. */
  index?: boolean
  /** Cancels packing (the partial CAR is removed). */
  signal?: AbortSignal
}

/** What {@link packFile} made, and how fast each stage went. */
export interface PackResult {
  /** The CAR's root: the manifest block. */
  root: CID
  /** The file's CID (root of its UnixFS DAG), as kubo gives it under the profile. */
  file: CID
  manifest: FileManifest
  /** Bytes of the source file. */
  fileBytes: number
  /** Bytes of the CAR. */
  carBytes: number
  /** Blocks in the CAR (each once). */
  blocks: number
  /** Blocks the file repeats (the same chunk twice), stored once. */
  duplicates: number
  /** Wall-clock seconds of the whole pack. */
  seconds: number
  /** Time and rate of each stage: reading the file, hashing (and encoding) blocks, writing the CAR. */
  stages: { read: StageStats; hash: StageStats; write: StageStats }
}

/** Reads kept in flight ahead of hashing. */
const READ_AHEAD = 4
/** Chunk buffers kept for reuse (those the reads ahead and the writes in flight hold). */
const POOL_BUFFERS = 32

/**
 * Packs a file into a CAR: its exact bytes as a UnixFS file DAG (the CID kubo gives under
 * `profile`), and a dag-cbor manifest linking it, with the file's format, length, sha2-256,
 * schema and batches (Parquet row groups, or line-aligned CSV/NDJSON ranges with the CSV header),
 * as the CAR's single root. The file streams through in bounded memory (a few chunks read ahead
 * and a few MiB of writes in flight); the same file and profile always give the same bytes.
 *
 * @example
 * ```ts
 * const { root, file } = await packFile('data.parquet', 'data.car')
 * console.log(file.toString()) // the CID `ipfs add --cid-version=1 --chunker=size-1048576 ...` gives
 * ```
 */
export async function packFile(
  path: string,
  carPath: string,
  options: PackOptions = {},
): Promise<PackResult> {
  const started = performance.now()
  const spec = profileSpec(options.profile)
  const batchRows = options.batchRows ?? 100_000
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) {
    throw new ValidationError(`batchRows must be a positive integer, got ${String(batchRows)}`, {
      code: 'INVALID_OPTION',
    })
  }
  const signal = options.signal
  throwIfAborted(signal)
  const file = await FileRangeReader.open(path, signal)
  let reads: Promise<Uint8Array>[] = []
  let whole: StreamSha256 | undefined
  const readClock = new BusyClock()
  const writeClock = new BusyClock()
  let hashSeconds = 0
  try {
    const size = file.byteLength
    const head = await readAt(file, new Uint8Array(Math.min(size, 64 * 1024)), 0)
    const format = resolveFormat(options.format, path, head)
    const plan = await planFile(path, format, signal)
    // compressed text has no lines to cut at: such a file is packed (and read) whole
    const gzip = head[0] === 0x1f && head[1] === 0x8b
    const scanner = plan.scanLines && !gzip ? new LineRangeScanner(plan.scanLines, batchRows) : undefined
    const writer = await CarFileWriter.create(carPath, cborCid(new Uint8Array(0)), writeClock)
    try {
      // chunk buffers are reused once written: no allocation (and no page faults) per chunk
      const pool: Uint8Array[] = []
      let current: Uint8Array | undefined
      let handed = false
      // each chunk buffer owns its whole ArrayBuffer: a short last chunk gives back the full buffer
      const give = (bytes: Uint8Array) => () => {
        if (pool.length < POOL_BUFFERS) pool.push(new Uint8Array(bytes.buffer as ArrayBuffer))
      }
      const builder = new UnixFsFileBuilder(spec, (cid, block) => {
        if (current !== undefined && block.buffer === current.buffer) {
          handed = true
          writer.put(cid, block, give(current))
        } else writer.put(cid, block)
      })
      whole = new StreamSha256(size, spec.chunkBytes)
      const chunk = spec.chunkBytes
      reads = []
      let next = 0
      const issue = () => {
        if (next >= size) return
        const length = Math.min(chunk, size - next)
        const buffer = pool.pop() ?? new Uint8Array(chunk)
        const reading = readClock.time(readAt(file, buffer.subarray(0, length), next))
        // a read still under way when packing fails is settled in the finally below
        reading.catch(() => undefined)
        reads.push(reading)
        next += length
      }
      for (let i = 0; i < READ_AHEAD; i++) issue()
      let offset = 0
      while (reads.length > 0) {
        throwIfAborted(signal)
        const bytes = await (reads.shift() as Promise<Uint8Array>)
        issue()
        const t = performance.now()
        // the hasher copies the chunk (or hashes it) before the writer may hand the buffer back
        await whole.update(bytes)
        current = bytes
        handed = false
        builder.addChunk(bytes)
        if (!handed) give(bytes)()
        current = undefined
        scanner?.push(bytes, offset)
        hashSeconds += (performance.now() - t) / 1000
        offset += bytes.length
        await writer.drain()
      }
      const fileRoot = builder.finish()
      const after = await stat(path)
      if (after.size !== size || after.mtimeMs !== file.mtimeMs) {
        throw new IoError('The file changed while it was being packed; pack it again once it is stable', {
          code: 'SOURCE_CHANGED',
          location: { file: path },
        })
      }
      const lines = scanner?.finish(size)
      const manifest: FileManifest = {
        layout: 'file',
        name: basename(path),
        format,
        profile: spec.name,
        file: fileRoot.cid,
        byteLength: size,
        sha256: await whole.digest(),
        schema: plan.schema,
        numRows: lines ? lines.numRows : plan.numRows,
        header: lines?.header,
        batches: lines ? lines.batches : (plan.batches ?? []),
      }
      const { root, written } = await finishCar(writer, manifest, options.index !== false)
      return {
        root,
        file: fileRoot.cid,
        manifest,
        fileBytes: size,
        carBytes: written.bytes,
        blocks: written.blocks,
        duplicates: written.duplicates,
        seconds: (performance.now() - started) / 1000,
        stages: {
          read: stage(size, readClock.seconds),
          hash: stage(size, hashSeconds),
          write: stage(written.bytes, writeClock.seconds),
        },
      }
    } catch (err) {
      await writer.abort()
      throw err
    }
  } finally {
    await Promise.allSettled(reads)
    await whole?.close()
    await file.close()
  }
}

function resolveFormat(format: PackOptions['format'], path: string, head: Uint8Array): FileFormat {
  if (format === undefined || format === 'auto') return detectFormat(path, head)
  const known: readonly string[] = ['parquet', 'csv', 'ndjson', 'json', 'none']
  if (!known.includes(format)) {
    throw new ValidationError(
      `format must be one of auto, ${known.join(', ')}; got ${JSON.stringify(format)}`,
      {
        code: 'INVALID_OPTION',
      },
    )
  }
  return format
}

/** Fills `out` from `position` (a file that got shorter is `SOURCE_CHANGED`). */
async function readAt(file: FileRangeReader, out: Uint8Array, position: number): Promise<Uint8Array> {
  const bytes = await file.readInto(out, position)
  if (bytes.length < out.length) {
    throw new IoError(
      `The file ended at byte ${position + bytes.length}, before its size said; it changed while being packed`,
      { code: 'SOURCE_CHANGED', location: { file: file.name, byte: position + bytes.length } },
    )
  }
  return bytes
}
