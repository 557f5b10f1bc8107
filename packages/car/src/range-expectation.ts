import type { CID } from 'multiformats/cid'
import { cidBlockKey } from './cid.js'
import { CarError } from './errors.js'
import { decodeFileNode, type FileNode, nodeSize } from './unixfs-file.js'

/**
 * Which blocks an answer for bytes `[start, end)` of a UnixFS file may hold: the root, and below
 * each node that came (checked) the children whose bytes meet the range. A block nothing asked
 * for is refused; one a parent asked for with another size is refused too. A block may stand at
 * several offsets of the file (a repeated chunk): it is sent once, and counts for each.
 */
export class RangeExpectation {
  readonly #start: number
  readonly #end: number
  /** Blocks asked for and not yet come, with the offsets and sizes where the file holds them. */
  readonly #pending = new Map<string, { cid: CID; places: { at: number; size: number | undefined }[] }>()
  /** Decoded nodes that came, for places asked after they arrived. */
  readonly #received = new Map<string, FileNode>()

  constructor(root: CID, start: number, end: number) {
    this.#start = start
    this.#end = end
    this.#pending.set(cidBlockKey(root), { cid: root, places: [{ at: 0, size: undefined }] })
  }

  /** Takes a checked block; returns the error when the answer had no business sending it. */
  receive(cid: CID, bytes: Uint8Array): CarError | undefined {
    const key = cidBlockKey(cid)
    const wanted = this.#pending.get(key)
    if (!wanted) {
      return new CarError('The gateway sent a block the byte range does not need (or sent it twice)', {
        code: 'CAR_UNEXPECTED_BLOCK',
        cid: cid.toString(),
      })
    }
    this.#pending.delete(key)
    let node: FileNode
    try {
      // read as the parent links it (its codec), not as the answer's section names it
      node = decodeFileNode(wanted.cid, bytes)
    } catch (err) {
      return err as CarError
    }
    this.#received.set(key, node)
    for (const place of wanted.places) {
      const error = this.#place(wanted.cid, node, place.at, place.size)
      if (error) return error
    }
    return undefined
  }

  /** A block asked for that never came, if any. */
  missing(): CID | undefined {
    return this.#pending.values().next().value?.cid
  }

  #place(cid: CID, node: FileNode, at: number, size: number | undefined): CarError | undefined {
    if (size !== undefined && nodeSize(node) !== size) {
      return new CarError(`The block holds ${nodeSize(node)} bytes of the file, its parent says ${size}`, {
        code: 'CAR_BAD_BLOCK',
        cid: cid.toString(),
      })
    }
    if (node.kind === 'leaf') return undefined
    let pos = at + (node.data?.length ?? 0)
    for (const child of node.children) {
      if (pos < this.#end && pos + child.size > this.#start) {
        const error = this.#ask(child.cid, pos, child.size)
        if (error) return error
      }
      pos += child.size
    }
    return undefined
  }

  #ask(cid: CID, at: number, size: number): CarError | undefined {
    const key = cidBlockKey(cid)
    const came = this.#received.get(key)
    if (came) return this.#place(cid, came, at, size)
    const pending = this.#pending.get(key)
    if (pending) pending.places.push({ at, size })
    else this.#pending.set(key, { cid, places: [{ at, size }] })
    return undefined
  }
}
