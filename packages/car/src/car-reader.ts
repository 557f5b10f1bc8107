import type { CID } from 'multiformats/cid'
import type { Block, BlockSource } from './block-source.js'
import { DAG_CBOR, DAG_PB, RAW, toCid } from './cid.js'
import { CarError, sourceLocation } from './errors.js'
import { type ExportResult, exportUnixFsFile } from './export-file.js'
import type { Manifest } from './manifest.js'
import { decodeManifest } from './manifest-decode.js'
import { UnixFsFile } from './unixfs-file.js'
import type { VerifyReport } from './verify.js'

/** A {@link BlockSource} that can also list and check all its blocks (a CAR file, a gateway). */
export interface DagSource extends BlockSource {
  /** Every block, each checked against its CID. */
  blocks(signal?: AbortSignal): AsyncIterable<Block>
  /** Hashes every block and lists what the roots' DAGs lack. */
  verify(signal?: AbortSignal): Promise<VerifyReport>
}

/**
 * An open CAR (a file, a CAR at a URL, or a DAG behind a trustless gateway): its roots, the sd
 * manifest, blocks by CID (each checked against its CID before it is handed out), a UnixFS file as
 * a core `RangeReader`, export and verification. Close it when done.
 *
 * @example
 * ```ts
 * const car = await openCar('data.car')
 * const manifest = await car.manifest()
 * const file = await car.file() // the packed file, as a RangeReader
 * console.log(manifest.format, file.byteLength, (await car.verify()).ok)
 * await car.close()
 * ```
 */
export interface CarReader {
  /** The path or URL it was opened from. */
  readonly source: string
  /** The CAR's roots (for a gateway URL, the CID in it). */
  readonly roots: readonly CID[]
  /** The sd manifest at the first root (`CAR_NO_MANIFEST` when the root is something else). */
  manifest(signal?: AbortSignal): Promise<Manifest>
  /** True when the block is there. */
  has(cid: CID | string, signal?: AbortSignal): Promise<boolean>
  /** The block's bytes, checked against the CID (`CAR_MISSING_BLOCK`, `CAR_HASH_MISMATCH`). */
  get(cid: CID | string, signal?: AbortSignal): Promise<Uint8Array>
  /** Every block in order, each checked; a corrupt one ends the iteration with `CAR_HASH_MISMATCH`. */
  blocks(signal?: AbortSignal): AsyncIterable<Block>
  /**
   * A UnixFS file as a `RangeReader` that fetches only the blocks a read covers. Without `cid`: the
   * packed file of a file-layout manifest, or the root itself when it is a UnixFS file.
   */
  file(cid?: CID | string, signal?: AbortSignal): Promise<UnixFsFile>
  /** Writes a UnixFS file (default as for {@link CarReader.file}) to `outPath`, every block checked. */
  exportFile(outPath: string, cid?: CID | string, signal?: AbortSignal): Promise<ExportResult>
  /** Hashes every block and lists the blocks the roots' DAGs lack. */
  verify(signal?: AbortSignal): Promise<VerifyReport>
  /** Releases the file or connections. */
  close(): Promise<void>
}

/** The {@link CarReader} over a {@link DagSource}. */
export class SourceCarReader implements CarReader {
  readonly source: string
  readonly roots: readonly CID[]
  readonly #dag: DagSource
  #manifest: Promise<Manifest> | undefined

  constructor(source: string, dag: DagSource) {
    this.source = source
    this.#dag = dag
    this.roots = dag.roots
  }

  /** The underlying block source. */
  get dag(): DagSource {
    return this.#dag
  }

  manifest(signal?: AbortSignal): Promise<Manifest> {
    if (!this.#manifest) {
      const root = this.#root()
      this.#manifest = this.#dag
        .get(root, signal)
        .then((bytes) => decodeManifest(root, bytes, (cid) => this.#dag.get(cid, signal)))
      this.#manifest.catch(() => {
        this.#manifest = undefined
      })
    }
    return this.#manifest
  }

  async has(cid: CID | string, signal?: AbortSignal): Promise<boolean> {
    return this.#dag.has(toCid(cid), signal)
  }

  async get(cid: CID | string, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#dag.get(toCid(cid), signal)
  }

  blocks(signal?: AbortSignal): AsyncIterable<Block> {
    return this.#dag.blocks(signal)
  }

  async file(cid?: CID | string, signal?: AbortSignal): Promise<UnixFsFile> {
    return UnixFsFile.open(this.#dag, await this.#fileCid(cid, signal), signal)
  }

  async exportFile(outPath: string, cid?: CID | string, signal?: AbortSignal): Promise<ExportResult> {
    const fileCid = await this.#fileCid(cid, signal)
    const root = this.#root()
    let expectedSha256: string | undefined
    if (cid === undefined && root.code === DAG_CBOR) {
      const manifest = await this.manifest(signal)
      if (manifest.layout === 'file') expectedSha256 = manifest.sha256
    }
    const file = await UnixFsFile.open(this.#dag, fileCid, signal)
    try {
      return await exportUnixFsFile(file, outPath, { signal, expectedSha256 })
    } finally {
      await file.close()
    }
  }

  verify(signal?: AbortSignal): Promise<VerifyReport> {
    return this.#dag.verify(signal)
  }

  close(): Promise<void> {
    return this.#dag.close()
  }

  #root(): CID {
    const root = this.roots[0]
    if (!root) {
      throw new CarError('The CAR names no root', {
        code: 'CAR_NO_MANIFEST',
        location: sourceLocation(this.source),
      })
    }
    return root
  }

  async #fileCid(cid: CID | string | undefined, signal: AbortSignal | undefined): Promise<CID> {
    if (cid !== undefined) return toCid(cid)
    const root = this.#root()
    if (root.code === RAW || root.code === DAG_PB) return root
    const manifest = await this.manifest(signal)
    if (manifest.layout !== 'file') {
      throw new CarError('This CAR holds the batch layout (a dataset, not a file): read it with loadCar', {
        code: 'CAR_NOT_A_FILE',
        location: sourceLocation(this.source),
      })
    }
    return manifest.file
  }
}
