import type { CID } from 'multiformats/cid'

/** A verified block: its CID and bytes. */
export interface Block {
  cid: CID
  bytes: Uint8Array
}

/**
 * Where blocks come from: a CAR file (local or remote) or a trustless gateway. Every block it hands
 * out has been checked against its CID.
 */
export interface BlockSource {
  /** Path or URL, for messages. */
  readonly name: string
  /** The roots the source names (the CAR header's, or the CID of a gateway URL). */
  readonly roots: readonly CID[]
  /** True when the source holds (or, for a gateway, serves) the block. */
  has(cid: CID, signal?: AbortSignal): Promise<boolean>
  /** The block's bytes, checked against the CID; a missing block is `CAR_MISSING_BLOCK`. */
  get(cid: CID, signal?: AbortSignal): Promise<Uint8Array>
  /**
   * Readies the blocks that bytes `[start, end)` of the UnixFS file `root` need, in as few
   * requests as it can (a gateway asks once, with `entity-bytes`); local sources need nothing.
   */
  prepareRange?(root: CID, start: number, end: number, signal?: AbortSignal): Promise<void>
  /** Releases files and connections. */
  close(): Promise<void>
}
