import { type ImporterOptions, importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import type { CID } from 'multiformats/cid'
import type { ProfileSpec } from '../profiles.js'

/** An in-memory blockstore holding what ipfs-unixfs-importer puts (it only calls `put`). */
class MemoryBlocks {
  readonly blocks = new Map<string, Uint8Array>()
  async put(cid: CID, bytes: Uint8Array): Promise<CID> {
    this.blocks.set(cid.toString(), bytes)
    return cid
  }
  async get(cid: CID): Promise<Uint8Array> {
    const bytes = this.blocks.get(cid.toString())
    if (!bytes) throw new Error(`no block ${cid}`)
    return bytes
  }
  async has(cid: CID): Promise<boolean> {
    return this.blocks.has(cid.toString())
  }
}

/** The importer's options for one of our profile specs (the three profiles, or a narrow test tree). */
export function importerOptions(spec: ProfileSpec): ImporterOptions {
  return {
    cidVersion: spec.cidVersion,
    rawLeaves: spec.rawLeaves,
    chunker: fixedSize({ chunkSize: spec.chunkBytes }),
    layout: balanced({ maxChildrenPerNode: spec.maxLinks }),
  }
}

/** The root CID and every block ipfs-unixfs-importer makes for `content` under `spec`. */
export async function importerDag(
  content: Uint8Array,
  spec: ProfileSpec,
): Promise<{ root: string; blocks: Map<string, Uint8Array> }> {
  const store = new MemoryBlocks()
  let root: string | undefined
  async function* pieces() {
    // fed in odd-sized pieces, so the importer's chunker does the cutting
    for (let at = 0; at < content.length; at += 100_003) yield content.subarray(at, at + 100_003)
  }
  for await (const entry of importer([{ content: pieces() }], store as never, importerOptions(spec))) {
    root = entry.cid.toString()
  }
  if (!root) throw new Error('the importer made no root')
  return { root, blocks: store.blocks }
}

/** Deterministic pseudo-random bytes (xorshift), different for each seed. */
export function pseudoRandomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  const words = new Uint32Array(out.buffer, 0, Math.floor(length / 4))
  let x = seed >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  for (let i = words.length * 4; i < length; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

/**
 * The root CID ipfs-unixfs-importer gives a stream of `pieces` under `spec`, keeping no blocks
 * (for files too large to hold twice in memory).
 */
export async function importerRoot(pieces: () => Iterable<Uint8Array>, spec: ProfileSpec): Promise<string> {
  const discard = {
    put: async (cid: CID) => cid,
    get: async () => {
      throw new Error('not kept')
    },
    has: async () => false,
  }
  let root: string | undefined
  for await (const entry of importer([{ content: pieces() }], discard as never, importerOptions(spec))) {
    root = entry.cid.toString()
  }
  if (!root) throw new Error('the importer made no root')
  return root
}
