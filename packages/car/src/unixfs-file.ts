import * as dagPb from '@ipld/dag-pb'
import { type RangeReader, type RangeReaderStats, StateError, ValidationError } from '@sd/core'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import type { BlockSource } from './block-source.js'
import { DAG_PB, RAW } from './cid.js'
import { CarError } from './errors.js'

/** One block of a UnixFS file, decoded: a leaf's bytes, or a node's own data and its children. */
export type FileNode =
  | { kind: 'leaf'; bytes: Uint8Array }
  | { kind: 'node'; data: Uint8Array | undefined; children: { cid: CID; size: number }[]; size: number }

/** Deeper trees than this are refused (a 1024-wide tree of depth 8 holds far more than any file). */
const MAX_DEPTH = 32
/** Internal nodes kept decoded, so consecutive reads do not fetch the root again. */
const NODE_CACHE = 256
/** Leaves kept for reads that come back to the same bytes (a footer read twice). */
const LEAF_CACHE = 4
/** Blocks fetched at once by one read. */
const CONCURRENCY = 16

/**
 * Decodes a block of a UnixFS file: a raw block is a leaf, a dag-pb node must be a UnixFS `file`
 * (or `raw`) node whose `blocksizes` match its links; anything else is `CAR_NOT_A_FILE` or
 * `CAR_BAD_BLOCK`, naming the CID.
 */
export function decodeFileNode(cid: CID, bytes: Uint8Array): FileNode {
  if (cid.code === RAW) return { kind: 'leaf', bytes }
  if (cid.code !== DAG_PB) {
    throw new CarError(
      `Expected a raw or dag-pb block in a UnixFS file, got codec 0x${cid.code.toString(16)}`,
      {
        code: 'CAR_NOT_A_FILE',
        cid: cid.toString(),
      },
    )
  }
  let node: dagPb.PBNode
  let unixfs: UnixFS
  try {
    node = dagPb.decode(bytes)
    if (!node.Data) throw new Error('the node has no Data')
    unixfs = UnixFS.unmarshal(node.Data)
  } catch (err) {
    throw new CarError(`The block is not a valid UnixFS node: ${(err as Error).message}`, {
      code: 'CAR_BAD_BLOCK',
      cid: cid.toString(),
      cause: err,
    })
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') {
    throw new CarError(`Expected a UnixFS file, got a ${unixfs.type}`, {
      code: 'CAR_NOT_A_FILE',
      cid: cid.toString(),
    })
  }
  const data = unixfs.data && unixfs.data.length > 0 ? unixfs.data : undefined
  if (node.Links.length !== unixfs.blockSizes.length) {
    throw new CarError(
      `The node has ${node.Links.length} links but ${unixfs.blockSizes.length} block sizes`,
      {
        code: 'CAR_BAD_BLOCK',
        cid: cid.toString(),
      },
    )
  }
  if (node.Links.length === 0) return { kind: 'leaf', bytes: data ?? new Uint8Array(0) }
  let size = data?.length ?? 0
  const children = node.Links.map((link, i) => {
    const childSize = Number(unixfs.blockSizes[i])
    size += childSize
    return { cid: link.Hash, size: childSize }
  })
  if (!Number.isSafeInteger(size)) {
    throw new CarError('The node declares a size beyond 2^53 bytes', {
      code: 'CAR_BAD_BLOCK',
      cid: cid.toString(),
    })
  }
  return { kind: 'node', data, children, size }
}

/** Size of the file a decoded node stands for. */
export function nodeSize(node: FileNode): number {
  return node.kind === 'leaf' ? node.bytes.length : node.size
}

/**
 * A core `RangeReader` over a UnixFS file in a {@link BlockSource}: a read fetches only the blocks
 * whose bytes it covers (walking down from the root by the nodes' block sizes), each checked
 * against its CID, and checks that every block holds exactly as many bytes as its parent says.
 * `stats.requests` counts blocks fetched (cache hits aside) and `stats.bytesRead` their bytes.
 */
export class UnixFsFile implements RangeReader {
  readonly name: string
  readonly byteLength: number
  /** The root CID: content addressing makes it the perfect version tag. */
  readonly version: string
  readonly root: CID
  readonly stats: RangeReaderStats = { requests: 0, bytesRead: 0, cacheHits: 0, retries: 0 }
  readonly #source: BlockSource
  readonly #rootNode: FileNode
  readonly #nodes = new Map<string, FileNode>()
  readonly #leaves = new Map<string, Uint8Array>()
  #closed = false

  private constructor(source: BlockSource, root: CID, rootNode: FileNode, name: string) {
    this.#source = source
    this.root = root
    this.#rootNode = rootNode
    this.byteLength = nodeSize(rootNode)
    this.version = root.toString()
    this.name = name
  }

  /** Opens the file whose root is `root` (fetches and checks the root block). */
  static async open(source: BlockSource, root: CID, signal?: AbortSignal): Promise<UnixFsFile> {
    const bytes = await source.get(root, signal)
    const node = decodeFileNode(root, bytes)
    return new UnixFsFile(source, root, node, `${source.name}#${root}`)
  }

  async read(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.#closed)
      throw new StateError('Read after close', { code: 'CLOSED', location: { file: this.name } })
    const to = Math.min(end, this.byteLength)
    if (!(start >= 0) || start > to || !Number.isFinite(start)) {
      throw new ValidationError(`Invalid byte range [${start}, ${end}) of a ${this.byteLength}-byte file`, {
        code: 'INVALID_RANGE',
        location: { file: this.name, byte: start },
      })
    }
    const out = new Uint8Array(to - start)
    if (to === start) return out
    await this.#source.prepareRange?.(this.root, start, to, signal)
    await this.#fill(this.root, this.#rootNode, 0, start, to, out, 0, signal)
    return out
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#nodes.clear()
    this.#leaves.clear()
  }

  /** Copies the part of `[start, end)` that `node` (at file offset `at`) holds into `out`. */
  async #fill(
    cid: CID,
    node: FileNode,
    at: number,
    start: number,
    end: number,
    out: Uint8Array,
    depth: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (depth > MAX_DEPTH) {
      throw new CarError(`The file's DAG is deeper than ${MAX_DEPTH} levels`, {
        code: 'CAR_BAD_BLOCK',
        cid: cid.toString(),
      })
    }
    const copy = (bytes: Uint8Array, from: number) => {
      const lo = Math.max(start, from)
      const hi = Math.min(end, from + bytes.length)
      if (lo < hi) out.set(bytes.subarray(lo - from, hi - from), lo - start)
    }
    if (node.kind === 'leaf') {
      copy(node.bytes, at)
      return
    }
    let pos = at
    if (node.data) {
      copy(node.data, pos)
      pos += node.data.length
    }
    const wanted: { cid: CID; size: number; at: number }[] = []
    for (const child of node.children) {
      if (pos < end && pos + child.size > start) wanted.push({ ...child, at: pos })
      pos += child.size
    }
    await forEachLimited(wanted, CONCURRENCY, async (child) => {
      const childNode = await this.#node(child.cid, child.size, signal)
      await this.#fill(child.cid, childNode, child.at, start, end, out, depth + 1, signal)
    })
  }

  /** The decoded child `cid`, which its parent says holds `size` bytes of the file. */
  async #node(cid: CID, size: number, signal: AbortSignal | undefined): Promise<FileNode> {
    const key = cid.toString()
    const cached = this.#nodes.get(key)
    if (cached) {
      this.stats.cacheHits++
      return cached
    }
    const leaf = this.#leaves.get(key)
    if (leaf) {
      this.stats.cacheHits++
      return { kind: 'leaf', bytes: leaf }
    }
    const bytes = await this.#source.get(cid, signal)
    this.stats.requests++
    this.stats.bytesRead += bytes.length
    const node = decodeFileNode(cid, bytes)
    if (nodeSize(node) !== size) {
      throw new CarError(`The block holds ${nodeSize(node)} bytes of the file, its parent says ${size}`, {
        code: 'CAR_BAD_BLOCK',
        cid: key,
      })
    }
    if (node.kind === 'leaf') remember(this.#leaves, key, node.bytes, LEAF_CACHE)
    else remember(this.#nodes, key, node, NODE_CACHE)
    return node
  }
}

/** Keeps `value` in a map used as a small LRU (insertion order; the oldest goes first). */
function remember<T>(map: Map<string, T>, key: string, value: T, limit: number): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > limit) map.delete(map.keys().next().value as string)
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure rejects (after the others settle). */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { err: unknown } | undefined
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++] as T
      try {
        await fn(item)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure) throw failure.err
}
