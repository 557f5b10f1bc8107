import {
  type HttpRangeOptions,
  pickHttpOptions,
  type RangeReader,
  type RangeReaderStats,
  type RangeScheme,
  throwIfAborted,
} from '@sd/core'
import type { CID } from 'multiformats/cid'
import { DAG_CBOR, DAG_PB } from './cid.js'
import { isFileBlock, resolvePath } from './dag-walk.js'
import { CarError } from './errors.js'
import { type GatewayOptions, GatewaySource } from './gateway-client.js'
import { gatewayBase, parseIpfsUrl } from './ipfs-url.js'
import { decodeManifest } from './manifest-decode.js'
import { directoryEntries, directoryNode } from './unixfs-dir.js'
import { UnixFsFile } from './unixfs-file.js'

/** Directory levels {@link ipfsScheme}'s listing descends before it stops. */
const MAX_LIST_DEPTH = 32

/**
 * The DAG an `ipfs://<cid>[/<path>]` URL names, from the configured trustless gateway: the CID
 * reached by following the path (through UnixFS directories, HAMT ones included, and dag-cbor
 * maps; every block on the way checked against its CID), and a gateway client rooted there.
 */
export async function openIpfsDag(
  url: string,
  options: GatewayOptions = {},
): Promise<{ source: GatewaySource; end: CID; folder: boolean }> {
  const { cid, path, folder } = parseIpfsUrl(url)
  const base = gatewayBase(options.gateway, url)
  const root = await GatewaySource.open({ base, cid }, options)
  if (path.length === 0) return { source: root, end: cid, folder }
  try {
    const resolved = await resolvePath(root, cid, path, options.signal)
    if (!resolved) {
      throw new CarError(`Nothing at /${path.join('/')} below ${cid}`, {
        code: 'CAR_PATH_NOT_FOUND',
        cid: cid.toString(),
        location: { url },
      })
    }
    return { source: root.withRoot(resolved.end), end: resolved.end, folder }
  } finally {
    await root.close()
  }
}

/**
 * The UnixFS file `end` stands for: itself, or the file an sd manifest of the file layout links.
 * A directory, a batch-layout dataset or anything else is `CAR_NOT_A_FILE`.
 */
async function fileOf(source: GatewaySource, end: CID, url: string, signal?: AbortSignal): Promise<CID> {
  const bytes = await source.get(end, signal)
  if (isFileBlock(end, bytes)) return end
  const notAFile = (what: string) =>
    new CarError(`${url} is ${what}, not a file`, {
      code: 'CAR_NOT_A_FILE',
      cid: end.toString(),
      location: { url },
    })
  if (end.code === DAG_CBOR) {
    const manifest = await decodeManifest(end, bytes, (cid) => source.get(cid, signal))
    if (manifest.layout === 'file') return manifest.file
    throw notAFile('a dataset in the batch layout (read it with loadCar)')
  }
  if (directoryNode(end, bytes)) throw notAFile('a directory (end the URL with / to list it)')
  throw notAFile('a block')
}

/** A core `RangeReader` over the file an `ipfs://` URL names; closing it ends its gateway client. */
class IpfsFileReader implements RangeReader {
  readonly name: string
  readonly byteLength: number
  readonly version: string
  readonly #file: UnixFsFile
  readonly #source: GatewaySource

  constructor(url: string, file: UnixFsFile, source: GatewaySource) {
    this.name = url
    this.byteLength = file.byteLength
    this.version = file.version
    this.#file = file
    this.#source = source
  }

  /** Blocks fetched and their bytes (each block checked against its CID). */
  get stats(): RangeReaderStats {
    return this.#file.stats
  }

  read(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#file.read(start, end, signal)
  }

  async close(): Promise<void> {
    await this.#file.close()
    await this.#source.close()
  }
}

function clientOptions(options: GatewayOptions, http: HttpRangeOptions): GatewayOptions {
  const signal = http.signal ?? options.signal
  return { ...options, ...pickHttpOptions(http), ...(signal ? { signal } : {}) }
}

/** `ipfs://<cid>/<path>` for the path segments. */
function ipfsUrl(cid: string, path: readonly string[]): string {
  return `ipfs://${cid}${path.map((s) => `/${encodeURIComponent(s)}`).join('')}`
}

/**
 * The `ipfs://` scheme for core's `openRange` (and so for every loader that takes a URL):
 * `ipfs://<cid>[/<path>]` names a UnixFS file (or an sd manifest of a packed file), read through a
 * trustless gateway (`options.gateway`, else `SD_IPFS_GATEWAY`) with `entity-bytes` range requests;
 * every block is checked against its CID as it arrives (`CAR_HASH_MISMATCH` names the CID), and
 * every request has core's HTTP timeouts and retries. A URL ending in `/` lists the files below a
 * UnixFS directory. Register it with `registerScheme(ipfsScheme())` or `import '@sd/car/register'`.
 *
 * @example
 * ```ts
 * import { registerScheme } from '@sd/core'
 * import { ipfsScheme } from '@sd/car'
 * import { loadParquet } from '@sd/parquet'
 * registerScheme(ipfsScheme({ gateway: 'http://127.0.0.1:8080', timeoutMs: 5000 }))
 * const ds = loadParquet('ipfs://bafybeie.../train.parquet')
 * ```
 */
export function ipfsScheme(options: GatewayOptions = {}): RangeScheme {
  return {
    scheme: 'ipfs',
    async open(url: string, http: HttpRangeOptions): Promise<RangeReader> {
      const settings = clientOptions(options, http)
      const { source, end } = await openIpfsDag(url, settings)
      try {
        const file = await UnixFsFile.open(
          source,
          await fileOf(source, end, url, settings.signal),
          settings.signal,
        )
        return new IpfsFileReader(url, file, source)
      } catch (err) {
        await source.close()
        throw err
      }
    },
    async list(url: string, http: HttpRangeOptions): Promise<string[]> {
      const settings = clientOptions(options, http)
      const { source, end } = await openIpfsDag(url, settings)
      const { path } = parseIpfsUrl(url)
      const rootText = (/^ipfs:\/\/([^/?#]+)/i.exec(url) as RegExpExecArray)[1] as string
      const out: string[] = []
      const walk = async (cid: CID, at: string[], depth: number): Promise<void> => {
        throwIfAborted(settings.signal)
        // only a dag-pb node can be a directory: a raw leaf or a dag-cbor block is listed unread
        if (depth > 0 && cid.code !== DAG_PB) {
          out.push(ipfsUrl(rootText, at))
          return
        }
        const bytes = await source.get(cid, settings.signal)
        const dir = directoryNode(cid, bytes)
        if (!dir) {
          if (depth === 0) {
            throw new CarError(`${url} is not a UnixFS directory`, {
              code: 'CAR_NOT_A_FILE',
              cid: cid.toString(),
              location: { url },
            })
          }
          out.push(ipfsUrl(rootText, at))
          return
        }
        if (depth > MAX_LIST_DEPTH) return
        for (const entry of await directoryEntries(source, cid, dir, settings.signal)) {
          await walk(entry.cid, [...at, entry.name], depth + 1)
        }
      }
      try {
        await walk(end, path, 0)
      } finally {
        await source.close()
      }
      return out.sort()
    },
  }
}
