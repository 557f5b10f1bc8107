import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { DAG_PB, RAW, SHA2_256, sha256Digest } from './cid.js'
import type { ProfileSpec } from './profiles.js'

/** A node of the file DAG as its parent links to it. */
export interface DagNode {
  readonly cid: CID
  /** Bytes of the node and everything below it (the link's `Tsize`). */
  readonly tsize: number
  /** File bytes below the node (its entry in the parent's `blocksizes`). */
  readonly fileBytes: number
}

/** Receives each block of the DAG once it is made, leaves first, each parent after its children. */
export type BlockSink = (cid: CID, block: Uint8Array) => void

/**
 * Builds the UnixFS file DAG of a byte stream with the balanced layout, as kubo and
 * ipfs-unixfs-importer do: leaves in groups of `maxLinks` under dag-pb `file` nodes, those nodes
 * in groups of `maxLinks` under the next level, until one node is left; a file of one chunk is
 * that chunk's leaf. A group is closed as soon as it is full, so memory holds at most
 * `maxLinks` links per level, whatever the file's size.
 *
 * Feed it chunks of exactly `chunkBytes` (the last may be shorter; an empty file is one empty
 * chunk), then call {@link UnixFsFileBuilder.finish}.
 */
export class UnixFsFileBuilder {
  readonly #spec: ProfileSpec
  readonly #sink: BlockSink
  /** Nodes waiting for their parent, per level (0 = leaves). */
  readonly #pending: DagNode[][] = [[]]
  /** Nodes made so far, per level. */
  readonly #made: number[] = [0]
  #lastLeaf: DagNode | undefined

  constructor(spec: ProfileSpec, sink: BlockSink) {
    this.#spec = spec
    this.#sink = sink
  }

  /** Hashes one chunk into a leaf, hands its block to the sink, and closes full groups. */
  addChunk(chunk: Uint8Array): void {
    const leaf = this.#leaf(chunk)
    this.#lastLeaf = leaf
    this.#push(0, leaf)
  }

  /** Closes the open groups bottom-up and returns the root. */
  finish(): DagNode {
    if (this.#made[0] === 0) this.addChunk(new Uint8Array(0))
    // one chunk: the file is its leaf (ipfs-unixfs-importer's reduceSingleLeafToSelf)
    if (this.#made[0] === 1) return this.#lastLeaf as DagNode
    for (let level = 0; ; level++) {
      const pending = this.#pending[level] as DagNode[]
      if (level > 0 && this.#made[level] === 1 && pending.length === 1) return pending[0] as DagNode
      if (pending.length > 0) {
        const parent = this.#parent(pending)
        pending.length = 0
        this.#push(level + 1, parent, false)
      }
    }
  }

  #push(level: number, node: DagNode, close = true): void {
    if (this.#pending.length <= level) {
      this.#pending.push([])
      this.#made.push(0)
    }
    const pending = this.#pending[level] as DagNode[]
    pending.push(node)
    this.#made[level] = (this.#made[level] as number) + 1
    if (close && pending.length === this.#spec.maxLinks) {
      const parent = this.#parent(pending)
      pending.length = 0
      this.#push(level + 1, parent)
    }
  }

  #leaf(chunk: Uint8Array): DagNode {
    if (this.#spec.rawLeaves) {
      const cid = CID.createV1(RAW, createDigest(SHA2_256, sha256Digest(chunk)))
      this.#sink(cid, chunk)
      return { cid, tsize: chunk.length, fileBytes: chunk.length }
    }
    const data = new UnixFS({ type: 'file', data: chunk }).marshal()
    const block = dagPb.encode({ Data: data, Links: [] })
    const cid = this.#pbCid(block)
    this.#sink(cid, block)
    return { cid, tsize: block.length, fileBytes: chunk.length }
  }

  #parent(children: readonly DagNode[]): DagNode {
    const unixfs = new UnixFS({ type: 'file' })
    const links: dagPb.PBLink[] = []
    let tsize = 0
    let fileBytes = 0
    for (const child of children) {
      unixfs.addBlockSize(BigInt(child.fileBytes))
      links.push({ Name: '', Tsize: child.tsize, Hash: child.cid })
      tsize += child.tsize
      fileBytes += child.fileBytes
    }
    const block = dagPb.encode({ Data: unixfs.marshal(), Links: links })
    const cid = this.#pbCid(block)
    this.#sink(cid, block)
    return { cid, tsize: tsize + block.length, fileBytes }
  }

  #pbCid(block: Uint8Array): CID {
    const digest = createDigest(SHA2_256, sha256Digest(block))
    return this.#spec.cidVersion === 0 ? CID.createV0(digest) : CID.createV1(DAG_PB, digest)
  }
}
