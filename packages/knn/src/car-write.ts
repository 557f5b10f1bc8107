import { createWriteStream, renameSync, rmSync } from 'node:fs'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CarWriter } from '@ipld/car/writer'
import * as dagCbor from '@ipld/dag-cbor'
import { fileSystemError } from '@sd/core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { invalid } from './errors.js'
import {
  FORMAT,
  type IndexManifest,
  type IvfManifest,
  MAX_BLOCK_BYTES,
  type MetadataChunk,
  rowsPerBlock,
  VERSION,
} from './manifest.js'
import type { Metadata } from './metadata.js'
import type { Metric } from './metric.js'
import { writeNpy } from './npy.js'

/** Reads rows `[start, end)` of the index, in storage order, into `out`. */
export type RowReader = (start: number, end: number, out: Float32Array) => void

/** What a saved index holds. */
export interface IndexContents {
  kind: 'knn' | 'ivf'
  dimension: number
  metric: Metric
  rows: number
  readRows: RowReader
  /** Stored metadata by storage position (`undefined` = the default `{ id: String(index) }`). */
  metadata: (position: number) => Metadata | undefined
  removed: Int32Array
  ivf?: { nlist: number; centroids: Float32Array; offsets: Int32Array; ids: Int32Array; trainedOn: number }
}

/** What `save` wrote. */
export interface SaveResult {
  /** The CAR file. */
  car: string
  /** The `.npy` file beside it with the same rows (NumPy opens it). */
  npy: string
  /** CID of the manifest (the CAR's root). */
  root: string
  /** Blocks in the CAR. */
  blocks: number
}

interface Block {
  cid: CID
  bytes: Uint8Array
}

function rawBlock(bytes: Uint8Array): Block {
  return { cid: CID.createV1(raw.code, sha256.digest(bytes) as never), bytes }
}

function cborBlock(value: unknown): Block {
  const bytes = dagCbor.encode(value)
  return { cid: CID.createV1(dagCbor.code, sha256.digest(bytes) as never), bytes }
}

/** Raw blocks of at most {@link MAX_BLOCK_BYTES} over a typed array. */
function rawChunks(values: Float32Array | Int32Array): Block[] {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const blocks: Block[] = []
  for (let at = 0; at < bytes.length; at += MAX_BLOCK_BYTES)
    blocks.push(rawBlock(bytes.slice(at, Math.min(bytes.length, at + MAX_BLOCK_BYTES))))
  return blocks
}

/** The `.npy` path written beside a CAR path (`index.car` -> `index.npy`). */
export function npyPathFor(carPath: string): string {
  return carPath.endsWith('.car') ? `${carPath.slice(0, -4)}.npy` : `${carPath}.npy`
}

function encodeMetadata(contents: IndexContents): { blocks: Block[]; chunks: MetadataChunk[] } {
  const blocks: Block[] = []
  const chunks: MetadataChunk[] = []
  const encodeRun = (start: number, count: number): void => {
    const items: unknown[] = []
    for (let i = start; i < start + count; i++) items.push(contents.metadata(i) ?? null)
    let block: Block
    try {
      block = cborBlock(items)
    } catch (error) {
      for (let i = start; i < start + count; i++) {
        try {
          dagCbor.encode(contents.metadata(i) ?? null)
        } catch (cause) {
          throw invalid(
            'KNN_BAD_METADATA',
            `Metadata must be JSON-like to be saved (no undefined, NaN, Infinity, functions or class instances): ${(cause as Error).message}`,
            i,
          )
        }
      }
      throw error
    }
    if (block.bytes.length > MAX_BLOCK_BYTES && count > 1) {
      const half = Math.ceil(count / 2)
      encodeRun(start, half)
      encodeRun(start + half, count - half)
      return
    }
    if (block.bytes.length > MAX_BLOCK_BYTES)
      throw invalid('KNN_BAD_METADATA', `Metadata larger than 1 MiB cannot be saved`, start)
    blocks.push(block)
    chunks.push({ count, link: block.cid })
  }
  for (let at = 0; at < contents.rows; at += 4096) encodeRun(at, Math.min(4096, contents.rows - at))
  return { blocks, chunks }
}

/** Vector blocks of whole rows, computed (and written to the `.npy`) in one pass over the rows. */
function* vectorChunks(contents: IndexContents): Generator<Float32Array> {
  const per = rowsPerBlock(contents.dimension)
  for (let at = 0; at < contents.rows; at += per) {
    const n = Math.min(per, contents.rows - at)
    const out = new Float32Array(n * contents.dimension)
    contents.readRows(at, at + n, out)
    yield out
  }
}

/**
 * Saves an index as a CAR (roots = [manifest]; the manifest is dag-cbor with real links to raw
 * vector blocks of whole rows, dag-cbor metadata blocks and raw id blocks, none over 1 MiB) and
 * the rows as a `.npy` beside it. Both are written to temporary files first and renamed, so a
 * failed save leaves any earlier files as they were.
 */
export async function saveIndex(path: string, contents: IndexContents): Promise<SaveResult> {
  if (contents.dimension * 4 > MAX_BLOCK_BYTES)
    throw invalid('KNN_BAD_SAVE', `Rows of dimension ${contents.dimension} do not fit a 1 MiB block`)
  const { blocks: metadataBlocks, chunks } = encodeMetadata(contents)
  const npy = npyPathFor(path)
  const npyTemp = `${npy}.tmp-${process.pid}`
  const carTemp = `${path}.tmp-${process.pid}`
  try {
    // pass 1: hash the vector blocks (the manifest links them) while writing the .npy
    const vectorCids: CID[] = []
    const chunks1 = vectorChunks(contents)
    await writeNpy(
      npyTemp,
      contents.rows,
      contents.dimension,
      (function* () {
        for (const chunk of chunks1) {
          vectorCids.push(rawBlock(new Uint8Array(chunk.buffer)).cid)
          yield chunk
        }
      })(),
    )
    const removedBlocks = rawChunks(contents.removed)
    const extra: Block[] = [...metadataBlocks, ...removedBlocks]
    let ivf: IvfManifest | undefined
    if (contents.ivf) {
      const centroids = rawChunks(contents.ivf.centroids)
      const offsets = rawChunks(contents.ivf.offsets)
      const ids = rawChunks(contents.ivf.ids)
      extra.push(...centroids, ...offsets, ...ids)
      ivf = {
        nlist: contents.ivf.nlist,
        centroids: centroids.map((b) => b.cid),
        offsets: offsets.map((b) => b.cid),
        ids: ids.map((b) => b.cid),
        trainedOn: contents.ivf.trainedOn,
      }
    }
    const manifest: IndexManifest = {
      format: FORMAT,
      version: VERSION,
      kind: contents.kind,
      dimension: contents.dimension,
      metric: contents.metric,
      rows: contents.rows,
      rowsPerBlock: rowsPerBlock(contents.dimension),
      vectors: vectorCids,
      metadata: chunks,
      removed: removedBlocks.map((b) => b.cid),
      removedCount: contents.removed.length,
      npy: basename(npy),
      ...(ivf ? { ivf } : {}),
    }
    const root = cborBlock(manifest)
    // pass 2: the CAR, manifest first
    const { writer, out } = CarWriter.create([root.cid])
    const written = pipeline(Readable.from(out), createWriteStream(carTemp))
    let count = 0
    const put = async (block: Block) => {
      await writer.put(block)
      count++
    }
    const producing = (async () => {
      try {
        await put(root)
        for (const chunk of vectorChunks(contents)) await put(rawBlock(new Uint8Array(chunk.buffer)))
        for (const block of extra) await put(block)
      } finally {
        await writer.close()
      }
    })()
    await Promise.all([producing, written])
    renameSync(npyTemp, npy)
    renameSync(carTemp, path)
    return { car: path, npy, root: root.cid.toString(), blocks: count }
  } catch (error) {
    rmSync(npyTemp, { force: true })
    rmSync(carTemp, { force: true })
    throw fileSystemError(error, path, 'write')
  }
}
