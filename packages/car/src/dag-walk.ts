import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { throwIfAborted } from '@sd/core'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import type { Block, BlockSource } from './block-source.js'
import { cidBlockKey, DAG_CBOR, DAG_PB, IDENTITY, RAW } from './cid.js'
import { CarError } from './errors.js'
import { blockLinks } from './links.js'
import { directoryEntry, directoryNode } from './unixfs-dir.js'
import { decodeFileNode, type FileNode } from './unixfs-file.js'

/** Which blocks of a DAG to walk. */
export interface WalkOptions {
  /** `all`: the whole DAG; `entity`: a UnixFS file whole (other blocks alone); `block`: the root alone. */
  scope: 'all' | 'entity' | 'block'
  /** With `entity` on a UnixFS file: only the blocks bytes `[start, end)` need. */
  range?: { start: number; end: number } | undefined
  /** Repeat a block each time the walk meets it (`dups=y`), or send it once. */
  dups: boolean
  signal?: AbortSignal | undefined
}

const MAX_DEPTH = 64

/** True when the block is a UnixFS file node (or a raw leaf): something with bytes to range over. */
export function isFileBlock(cid: CID, bytes: Uint8Array): boolean {
  if (cid.code === RAW) return true
  if (cid.code !== DAG_PB) return false
  try {
    const node = dagPb.decode(bytes)
    if (!node.Data) return false
    const type = UnixFS.unmarshal(node.Data).type
    return type === 'file' || type === 'raw'
  } catch {
    return false
  }
}

/**
 * The blocks of the DAG under `root` in depth-first order (each node before its children, children
 * in link order), as a trustless gateway's `order=dfs` CAR holds them. Identity blocks are never
 * yielded (their bytes are in their CID).
 */
export async function* walkDag(source: BlockSource, root: CID, options: WalkOptions): AsyncGenerator<Block> {
  const seen = new Set<string>()
  const emit = (cid: CID) => {
    if (cid.multihash.code === IDENTITY) return false
    if (options.dups) return true
    const key = cidBlockKey(cid)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  }
  const bytes = await source.get(root, options.signal)
  if (emit(root)) yield { cid: root, bytes }
  if (options.scope === 'block') return
  if (options.scope === 'entity') {
    if (!isFileBlock(root, bytes)) return
    const node = decodeFileNode(root, bytes)
    const range = options.range ?? { start: 0, end: Number.POSITIVE_INFINITY }
    yield* fileBlocks(source, root, node, 0, range, emit, 0, options.signal)
    return
  }
  yield* linkedBlocks(source, root, bytes, emit, 0, options.signal)
}

async function* fileBlocks(
  source: BlockSource,
  cid: CID,
  node: FileNode,
  at: number,
  range: { start: number; end: number },
  emit: (cid: CID) => boolean,
  depth: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Block> {
  if (node.kind === 'leaf') return
  if (depth > MAX_DEPTH)
    throw new CarError(`The DAG is deeper than ${MAX_DEPTH} levels`, {
      code: 'CAR_BAD_BLOCK',
      cid: cid.toString(),
    })
  let pos = at + (node.data?.length ?? 0)
  for (const child of node.children) {
    if (pos < range.end && pos + child.size > range.start) {
      throwIfAborted(signal)
      const bytes = await source.get(child.cid, signal)
      const sent = emit(child.cid)
      if (sent) yield { cid: child.cid, bytes }
      // with dups=n a repeated node's children were sent already
      if (sent || child.cid.multihash.code === IDENTITY) {
        yield* fileBlocks(
          source,
          child.cid,
          decodeFileNode(child.cid, bytes),
          pos,
          range,
          emit,
          depth + 1,
          signal,
        )
      }
    }
    pos += child.size
  }
}

async function* linkedBlocks(
  source: BlockSource,
  cid: CID,
  bytes: Uint8Array,
  emit: (cid: CID) => boolean,
  depth: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Block> {
  if (depth > MAX_DEPTH)
    throw new CarError(`The DAG is deeper than ${MAX_DEPTH} levels`, {
      code: 'CAR_BAD_BLOCK',
      cid: cid.toString(),
    })
  for (const link of blockLinks(cid, bytes)) {
    throwIfAborted(signal)
    if (!emit(link) && link.multihash.code !== IDENTITY) continue
    const child = await source.get(link, signal)
    if (link.multihash.code !== IDENTITY) yield { cid: link, bytes: child }
    yield* linkedBlocks(source, link, child, emit, depth + 1, signal)
  }
}

/**
 * Follows `path` from `root`: through dag-cbor maps and lists (keys, indexes), and UnixFS
 * directories (entry names; a HAMT directory's shards are searched), each segment ending at a link. Returns the blocks met on the way (the
 * root first) and the CID the path ends at; `undefined` when a segment leads nowhere.
 */
export async function resolvePath(
  source: BlockSource,
  root: CID,
  path: readonly string[],
  signal?: AbortSignal,
): Promise<{ blocks: Block[]; end: CID } | undefined> {
  const blocks: Block[] = []
  let cid = root
  let i = 0
  while (i < path.length) {
    const bytes = await source.get(cid, signal)
    blocks.push({ cid, bytes })
    if (cid.code === DAG_PB) {
      const dir = directoryNode(cid, bytes)
      const next = dir && (await directoryEntry(source, cid, dir, path[i] as string, signal, blocks))
      if (!next) return undefined
      cid = next
      i++
      continue
    }
    if (cid.code !== DAG_CBOR) return undefined
    let value: unknown
    try {
      value = dagCbor.decode(bytes)
    } catch (err) {
      throw new CarError(`The block does not decode as dag-cbor: ${(err as Error).message}`, {
        code: 'CAR_BAD_BLOCK',
        cid: cid.toString(),
        cause: err,
      })
    }
    let next: CID | null = null
    while (i < path.length && !next) {
      value = member(value, path[i] as string)
      i++
      if (value === undefined) return undefined
      next = CID.asCID(value)
    }
    // a path ends at a link: a value inside a block is not something a CAR can be made of
    if (!next) return undefined
    cid = next
  }
  return { blocks, end: cid }
}

/** The member `segment` of a decoded dag-cbor value (a map key, or a list index). */
function member(value: unknown, segment: string): unknown {
  if (Array.isArray(value)) return /^\d+$/.test(segment) ? value[Number(segment)] : undefined
  if (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Uint8Array) &&
    Object.hasOwn(value, segment)
  ) {
    return (value as Record<string, unknown>)[segment]
  }
  return undefined
}
