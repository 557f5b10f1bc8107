import { type HttpOptions, retryingRequest, throwIfAborted } from '@sd/core'
import type { CID } from 'multiformats/cid'
import { checkBlock, unsupportedHash } from './block-check.js'
import type { Block } from './block-source.js'
import { DEFAULT_MAX_BLOCK_BYTES } from './car-file-source.js'
import type { DagSource } from './car-reader.js'
import { readCarStream, type StreamSection } from './car-stream.js'
import { cidBlockKey, cidParts, IDENTITY, isSupportedHash } from './cid.js'
import { CarError, sourceLocation } from './errors.js'
import { checkCarType, checkStatus, readLimited } from './gateway-answers.js'
import type { GatewayTarget } from './gateway-url.js'
import { blockLinks } from './links.js'
import { RangeExpectation } from './range-expectation.js'
import type { VerifyReport } from './verify.js'

/** Options of the trustless-gateway client: core's HTTP options (timeouts, retries) and these. */
export interface GatewayOptions extends HttpOptions {
  /** Largest block accepted, in bytes. Default 2 MiB. */
  maxBlockBytes?: number
  /** Cancels every request. */
  signal?: AbortSignal | undefined
  /**
   * The trustless gateway `ipfs://` URLs are read through (`http(s)://host[:port]`). Default: the
   * `SD_IPFS_GATEWAY` environment variable.
   */
  gateway?: string | undefined
}

const RAW_TYPE = 'application/vnd.ipld.raw'
const CAR_ACCEPT = 'application/vnd.ipld.car; version=1; order=dfs; dups=n'
/** Verified blocks kept between a range request and the reads that take them. */
const CACHE_BYTES = 64 << 20

/**
 * Blocks from an IPFS trustless gateway (any, not only sd's): single blocks with `?format=raw`,
 * file ranges with one `?format=car&dag-scope=entity&entity-bytes=from:to` request each, whole
 * DAGs with `?format=car`. Every block is hashed against its CID, and a CAR answer may hold only
 * the blocks the request needs: an extra block is `CAR_UNEXPECTED_BLOCK` (when the gateway declared
 * `dups=n`; one that declared nothing has extra blocks ignored, as the specification says), a wrong one
 * `CAR_HASH_MISMATCH`, one that never came `CAR_MISSING_BLOCK`, a cut answer `CAR_TRUNCATED`.
 * Every wait has a timeout, and failed requests are retried.
 */
export class GatewaySource implements DagSource {
  readonly name: string
  readonly roots: readonly CID[]
  readonly base: string
  /** Requests sent and bytes received (for tests and statistics). */
  readonly stats = { requests: 0, bytesReceived: 0, blocksReceived: 0 }
  readonly #options: GatewayOptions
  readonly #maxBlockBytes: number
  readonly #cache = new Map<string, Uint8Array>()
  #cached = 0

  private constructor(target: GatewayTarget, options: GatewayOptions) {
    this.base = target.base
    this.roots = [target.cid]
    this.name = `${target.base}/ipfs/${target.cid}`
    this.#options = options
    this.#maxBlockBytes = options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES
  }

  /** A client for the DAG at `target`; checks that the gateway serves its root. */
  static async open(target: GatewayTarget, options: GatewayOptions = {}): Promise<GatewaySource> {
    const source = new GatewaySource(target, options)
    if (!(await source.has(target.cid))) {
      throw new CarError('The gateway does not have the root block', {
        code: 'CAR_MISSING_BLOCK',
        cid: target.cid.toString(),
        location: { url: source.name },
      })
    }
    return source
  }

  /** A client of the same gateway, with the same options, for the DAG under `cid` (not probed). */
  withRoot(cid: CID): GatewaySource {
    return new GatewaySource({ base: this.base, cid }, this.#options)
  }

  async has(cid: CID, signal?: AbortSignal): Promise<boolean> {
    if (cid.multihash.code === IDENTITY || this.#cache.has(cidBlockKey(cid))) return true
    const url = this.#url(cid, 'raw')
    return this.#request(url, { method: 'HEAD', headers: { Accept: RAW_TYPE } }, signal, async (res) => {
      if (res.status === 404) return false
      checkStatus(res, url)
      return true
    })
  }

  async get(cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
    const parts = cidParts(cid)
    if (!isSupportedHash(parts.hashCode)) throw unsupportedHash(cid.toString(), parts.hashCode)
    if (parts.hashCode === IDENTITY) return cid.multihash.digest
    const key = cidBlockKey(cid)
    const cached = this.#cache.get(key)
    if (cached) {
      this.#cache.delete(key)
      this.#cached -= cached.length
      return cached
    }
    const url = this.#url(cid, 'raw')
    return this.#request(url, { headers: { Accept: RAW_TYPE } }, signal, async (res) => {
      if (res.status === 404) {
        await res.body?.cancel().catch(() => undefined)
        throw new CarError('The gateway does not have the block', {
          code: 'CAR_MISSING_BLOCK',
          cid: cid.toString(),
          location: { url },
        })
      }
      checkStatus(res, url)
      const bytes = await readLimited(res, this.#maxBlockBytes, url, cid)
      this.stats.bytesReceived += bytes.length
      this.stats.blocksReceived++
      const error = checkBlock(cid.bytes, parts, bytes, { url })
      if (error) throw error
      return bytes
    })
  }

  /**
   * Fetches, in one CAR request with `entity-bytes`, the blocks bytes `[start, end)` of the file
   * `root` need, checks each and that nothing else came, and keeps them for the reads that follow.
   */
  async prepareRange(root: CID, start: number, end: number, signal?: AbortSignal): Promise<void> {
    if (end <= start) return
    const url = `${this.#url(root, 'car')}&dag-scope=entity&entity-bytes=${start}:${end - 1}`
    await this.#request(url, { headers: { Accept: CAR_ACCEPT } }, signal, async (res) => {
      checkStatus(res, url)
      const { strict } = checkCarType(res, url)
      const expectation = new RangeExpectation(root, start, end)
      const received: Block[] = []
      for await (const section of this.#sections(res, url)) {
        const block = this.#check(section, url)
        const error = expectation.receive(block.cid, block.bytes)
        if (error?.code === 'CAR_UNEXPECTED_BLOCK' && !strict) continue
        if (error) throw placeError(error, url, section.offset)
        received.push(block)
      }
      const missing = expectation.missing()
      if (missing) {
        throw new CarError('The gateway left out a block the byte range needs', {
          code: 'CAR_MISSING_BLOCK',
          cid: missing.toString(),
          location: { url },
        })
      }
      for (const block of received) this.#keep(block, end - start)
    })
  }

  /** The whole DAG under the root (`dag-scope=all`), in the gateway's order, each block checked. */
  async *blocks(signal?: AbortSignal): AsyncGenerator<Block> {
    const root = this.roots[0] as CID
    const report = { missing: [] as CID[] }
    yield* this.#walkAll(root, report, signal)
    const first = report.missing[0]
    if (first) {
      throw new CarError(`The gateway left out ${report.missing.length} block(s) of the DAG`, {
        code: 'CAR_MISSING_BLOCK',
        cid: first.toString(),
        location: { url: this.name },
      })
    }
  }

  async verify(signal?: AbortSignal): Promise<VerifyReport> {
    const started = performance.now()
    const report = { missing: [] as CID[] }
    let blocks = 0
    let bytes = 0
    const problems: CarError[] = []
    try {
      for await (const block of this.#walkAll(this.roots[0] as CID, report, signal)) {
        blocks++
        bytes += block.bytes.length
      }
    } catch (err) {
      if (!(err instanceof CarError)) throw err
      problems.push(err)
    }
    return {
      ok: problems.length === 0 && report.missing.length === 0,
      roots: [...this.roots],
      blocks,
      bytes,
      duplicates: 0,
      missing: report.missing,
      problems,
      unreachable: 0,
      seconds: (performance.now() - started) / 1000,
    }
  }

  async close(): Promise<void> {
    this.#cache.clear()
    this.#cached = 0
  }

  /**
   * Streams the DAG under `root` from one CAR request: only the connection is retried (a body
   * that breaks midway fails), so memory holds one block at a time whatever the DAG's size.
   */
  async *#walkAll(
    root: CID,
    report: { missing: CID[] },
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Block> {
    const url = `${this.#url(root, 'car')}&dag-scope=all`
    const res = await this.#request(
      url,
      { headers: { Accept: CAR_ACCEPT } },
      signal,
      async (answer) => answer,
    )
    checkStatus(res, url)
    const { strict } = checkCarType(res, url)
    const expected = new Map<string, CID>([[cidBlockKey(root), root]])
    const done = new Set<string>()
    for await (const section of this.#sections(res, url)) {
      throwIfAborted(signal)
      const block = this.#check(section, url)
      const key = cidBlockKey(block.cid)
      if (!expected.has(key) || done.has(key)) {
        if (!strict) continue
        throw new CarError('The gateway sent a block the DAG does not link to (or sent it twice)', {
          code: 'CAR_UNEXPECTED_BLOCK',
          cid: block.cid.toString(),
          location: sourceLocation(url, section.offset),
        })
      }
      done.add(key)
      // the block is read as the DAG links it (its codec), not as the gateway's section names it
      const linked = expected.get(key) as CID
      const expect = (cid: CID, bytes: Uint8Array, depth: number): void => {
        for (const link of blockLinks(cid, bytes, sourceLocation(url, section.offset))) {
          // an identity link carries its block: what that block links is needed too
          if (link.multihash.code === IDENTITY) {
            if (depth < 64) expect(link, link.multihash.digest, depth + 1)
            continue
          }
          const linkKey = cidBlockKey(link)
          if (!expected.has(linkKey)) expected.set(linkKey, link)
        }
      }
      expect(linked, block.bytes, 0)
      yield { cid: linked, bytes: block.bytes }
    }
    for (const [key, cid] of expected) if (!done.has(key)) report.missing.push(cid)
  }

  async *#sections(res: Response, url: string): AsyncGenerator<StreamSection> {
    if (!res.body)
      throw new CarError('The gateway sent no body', { code: 'CAR_TRUNCATED', location: { url } })
    const reader = res.body.getReader()
    try {
      const stream = await readCarStream(
        async () => {
          const { done, value } = await reader.read()
          if (done) return undefined
          this.stats.bytesReceived += value.length
          return value
        },
        url,
        this.#maxBlockBytes,
      )
      yield* stream.sections
    } finally {
      await reader.cancel().catch(() => undefined)
    }
  }

  /** The section's block, once it hashes to its CID. */
  #check(section: StreamSection, url: string): Block {
    this.stats.blocksReceived++
    const error = checkBlock(
      section.cidBytes,
      section.parts,
      section.bytes,
      sourceLocation(url, section.offset),
    )
    if (error) throw error
    return { cid: section.cid, bytes: section.bytes }
  }

  #keep(block: Block, rangeBytes: number): void {
    const key = cidBlockKey(block.cid)
    if (this.#cache.has(key)) return
    this.#cache.set(key, block.bytes)
    this.#cached += block.bytes.length
    const limit = Math.max(CACHE_BYTES, 2 * rangeBytes)
    while (this.#cached > limit) {
      const [oldest, bytes] = this.#cache.entries().next().value as [string, Uint8Array]
      this.#cache.delete(oldest)
      this.#cached -= bytes.length
    }
  }

  #url(cid: CID, format: 'raw' | 'car'): string {
    return `${this.base}/ipfs/${cid}?format=${format}`
  }

  #request<T>(
    url: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
    read: (res: Response) => Promise<T>,
  ): Promise<T> {
    this.stats.requests++
    const signals = [this.#options.signal, signal].filter((s): s is AbortSignal => s !== undefined)
    const combined = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
    return retryingRequest(url, init, { ...this.#options, signal: combined }, read)
  }
}

function placeError(err: CarError, url: string, offset: number): CarError {
  return new CarError(err.message.replace(/ \(block [^)]*\)$/, ''), {
    code: err.code,
    cid: err.cid,
    location: sourceLocation(url, offset),
    cause: err.cause,
  })
}
