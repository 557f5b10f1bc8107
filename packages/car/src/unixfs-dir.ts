import * as dagPb from '@ipld/dag-pb'
import { throwIfAborted } from '@sd/core'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import type { Block, BlockSource } from './block-source.js'
import { DAG_PB } from './cid.js'
import { CarError } from './errors.js'

/** A UnixFS directory node: a plain one (links named by entry) or a HAMT shard. */
export interface DirectoryNode {
  kind: 'directory' | 'hamt'
  links: dagPb.PBLink[]
  /** For a HAMT shard: the length of the hex prefix of every link name (2 for a fanout of 256). */
  prefixLength: number
}

/** Shards followed below one HAMT directory before it is refused as malformed. */
const MAX_SHARD_DEPTH = 16

/** The block as a UnixFS directory, or `undefined` when it is something else (a file, dag-cbor...). */
export function directoryNode(cid: CID, bytes: Uint8Array): DirectoryNode | undefined {
  if (cid.code !== DAG_PB) return undefined
  let node: dagPb.PBNode
  let unixfs: UnixFS
  try {
    node = dagPb.decode(bytes)
    if (!node.Data) return undefined
    unixfs = UnixFS.unmarshal(node.Data)
  } catch {
    return undefined
  }
  if (unixfs.type === 'directory') return { kind: 'directory', links: node.Links, prefixLength: 0 }
  if (unixfs.type !== 'hamt-sharded-directory') return undefined
  const fanout = Number(unixfs.fanout ?? 256n)
  if (!Number.isSafeInteger(fanout) || fanout < 2 || (fanout & (fanout - 1)) !== 0) {
    throw new CarError(`A HAMT directory with a fanout of ${fanout} (expected a power of two)`, {
      code: 'CAR_BAD_BLOCK',
      cid: cid.toString(),
    })
  }
  return { kind: 'hamt', links: node.Links, prefixLength: (fanout - 1).toString(16).length }
}

/**
 * Every entry of a directory, `{ name, cid }` in name order: a plain directory's links, or the
 * entries of all the shards of a HAMT directory (each shard fetched, checked, from `source`). The
 * shard blocks fetched go into `visited` when given.
 */
export async function directoryEntries(
  source: BlockSource,
  cid: CID,
  dir: DirectoryNode,
  signal?: AbortSignal,
  visited?: Block[],
): Promise<{ name: string; cid: CID }[]> {
  const out: { name: string; cid: CID }[] = []
  await collectEntries(source, cid, dir, out, 0, signal, visited, undefined)
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/**
 * The entry `name` of a directory, or `undefined`. A HAMT directory's shards are searched until
 * the name turns up (the blocks fetched go into `visited`).
 */
export async function directoryEntry(
  source: BlockSource,
  cid: CID,
  dir: DirectoryNode,
  name: string,
  signal?: AbortSignal,
  visited?: Block[],
): Promise<CID | undefined> {
  if (dir.kind === 'directory') return dir.links.find((l) => l.Name === name)?.Hash
  const out: { name: string; cid: CID }[] = []
  await collectEntries(source, cid, dir, out, 0, signal, visited, name)
  return out[0]?.cid
}

async function collectEntries(
  source: BlockSource,
  cid: CID,
  dir: DirectoryNode,
  out: { name: string; cid: CID }[],
  depth: number,
  signal: AbortSignal | undefined,
  visited: Block[] | undefined,
  wanted: string | undefined,
): Promise<void> {
  if (dir.kind === 'directory') {
    for (const link of dir.links) out.push({ name: link.Name ?? '', cid: link.Hash })
    return
  }
  if (depth > MAX_SHARD_DEPTH) {
    throw new CarError(`A HAMT directory deeper than ${MAX_SHARD_DEPTH} shards`, {
      code: 'CAR_BAD_BLOCK',
      cid: cid.toString(),
    })
  }
  const shards: CID[] = []
  for (const link of dir.links) {
    const name = link.Name ?? ''
    if (name.length === dir.prefixLength) shards.push(link.Hash)
    else if (name.length > dir.prefixLength) {
      const entry = name.slice(dir.prefixLength)
      if (wanted === undefined || entry === wanted) out.push({ name: entry, cid: link.Hash })
      if (wanted !== undefined && entry === wanted) return
    }
  }
  for (const shard of shards) {
    throwIfAborted(signal)
    const bytes = await source.get(shard, signal)
    visited?.push({ cid: shard, bytes })
    const node = directoryNode(shard, bytes)
    if (node?.kind !== 'hamt') {
      throw new CarError('A HAMT directory links a shard that is not a HAMT node', {
        code: 'CAR_BAD_BLOCK',
        cid: shard.toString(),
      })
    }
    await collectEntries(source, shard, node, out, depth + 1, signal, visited, wanted)
    if (wanted !== undefined && out.length > 0) return
  }
}
