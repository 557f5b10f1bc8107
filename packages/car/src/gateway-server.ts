import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CID } from 'multiformats/cid'
import type { BlockSource } from './block-source.js'
import { encodeCarHeader } from './car-header.js'
import type { CarReader } from './car-reader.js'
import { IDENTITY } from './cid.js'
import { isFileBlock, resolvePath, walkDag } from './dag-walk.js'
import { CarError } from './errors.js'
import { type GatewayRequest, parseGatewayRequest } from './gateway-request.js'
import { headers, refuse, resolveRange, section, send, write } from './gateway-response.js'
import { openCar } from './open-car.js'
import { decodeFileNode, nodeSize } from './unixfs-file.js'

/** Options of {@link serveGateway}. */
export interface GatewayServerOptions {
  /** CAR paths (opened and closed by the server) or open {@link CarReader}s (left open). */
  cars: readonly (string | CarReader)[]
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string
  /** Port; 0 (the default) picks a free one. */
  port?: number
  /** A connection silent for this long (a client that stopped reading) is closed. Default 60 s. */
  idleTimeoutMs?: number
}

/** A running gateway. */
export interface GatewayServer {
  /** `http://host:port`: append `/ipfs/<cid>`. */
  readonly url: string
  readonly port: number
  /** The roots of the CARs it serves. */
  readonly roots: readonly CID[]
  /** Stops listening, ends open connections and closes the CARs it opened. */
  close(): Promise<void>
}

/**
 * Serves CARs over HTTP as an IPFS Trustless Gateway: `GET`/`HEAD /ipfs/{cid}[/{path}]` with
 * `?format=raw` (one block) or `?format=car` (a CARv1 stream, `order=dfs; dups=n` unless
 * `dups=y` is asked), `Accept` negotiation, `dag-scope=all|entity|block`, `entity-bytes=from:to`
 * (only the blocks a byte range of a UnixFS file needs), and the `bafkqaaa` probe. Every block is
 * checked against its CID before it is sent; a corrupt or missing block met mid-stream cuts the
 * connection rather than send a wrong CAR.
 *
 * @example
 * ```ts
 * const gateway = await serveGateway({ cars: ['data.car'] })
 * const ds = loadCar(`${gateway.url}/ipfs/${gateway.roots[0]}`)
 * await gateway.close()
 * ```
 */
export async function serveGateway(options: GatewayServerOptions): Promise<GatewayServer> {
  const owned: CarReader[] = []
  const readers: CarReader[] = []
  try {
    for (const car of options.cars) {
      if (typeof car === 'string') {
        const reader = await openCar(car)
        owned.push(reader)
        readers.push(reader)
      } else readers.push(car)
    }
  } catch (err) {
    await Promise.allSettled(owned.map((r) => r.close()))
    throw err
  }
  const source = new ReadersSource(readers)
  const server = createServer((req, res) => {
    handle(source, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, `Internal error: ${(err as Error).message}`)
      else res.destroy(err as Error)
    })
  })
  server.setTimeout(options.idleTimeoutMs ?? 60_000, (socket) => socket.destroy())
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  try {
    await once(server, 'listening')
  } catch (err) {
    await Promise.allSettled(owned.map((r) => r.close()))
    throw err
  }
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    roots: readers.flatMap((r) => r.roots),
    close: () => closeServer(server, owned),
  }
}

async function closeServer(server: Server, owned: CarReader[]): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeAllConnections()
  await closed
  await Promise.allSettled(owned.map((r) => r.close()))
}

/** Blocks from several CARs: the first that has a block serves it. */
class ReadersSource implements BlockSource {
  readonly name = 'gateway'
  readonly roots: readonly CID[]
  readonly #readers: readonly CarReader[]

  constructor(readers: readonly CarReader[]) {
    this.#readers = readers
    this.roots = readers.flatMap((r) => r.roots)
  }

  async has(cid: CID): Promise<boolean> {
    if (cid.multihash.code === IDENTITY) return true
    for (const reader of this.#readers) if (await reader.has(cid)) return true
    return false
  }

  async get(cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
    if (cid.multihash.code === IDENTITY) return cid.multihash.digest
    for (const reader of this.#readers) if (await reader.has(cid)) return reader.get(cid, signal)
    throw new CarError('No CAR served here has the block', { code: 'CAR_MISSING_BLOCK', cid: cid.toString() })
  }

  async close(): Promise<void> {}
}

async function handle(source: ReadersSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    return send(res, 405, 'Only GET and HEAD are served')
  }
  const url = new URL(req.url ?? '/', 'http://gateway')
  const parsed = parseGatewayRequest(url, req.headers.accept)
  if ('status' in parsed) return refuse(res, parsed)
  const head = req.method === 'HEAD'
  const exchange: Exchange = { source, request: parsed, req, res, head }
  return parsed.format === 'raw' ? serveRaw(exchange) : serveCar(exchange)
}

/** One request being answered. */
interface Exchange {
  source: ReadersSource
  request: GatewayRequest
  req: IncomingMessage
  res: ServerResponse
  /** A HEAD request: headers only. */
  head: boolean
}

async function serveRaw(exchange: Exchange): Promise<void> {
  const { source, request, req, res, head } = exchange
  const { cid } = request
  if (!(await source.has(cid))) return send(res, 404, `No block ${cid} here`)
  const etag = `"${cid}.raw"`
  let bytes: Uint8Array
  try {
    bytes = await source.get(cid)
  } catch (err) {
    return send(res, 500, `The stored block is unusable: ${(err as Error).message}`)
  }
  const fresh = headers(req, res, request, etag, {
    'Content-Type': 'application/vnd.ipld.raw',
    'Content-Disposition': `attachment; filename="${cid}.bin"`,
    'Content-Length': bytes.length,
  })
  res.end(fresh && !head ? bytes : undefined)
}

async function serveCar(exchange: Exchange): Promise<void> {
  const { source, request, req, res, head } = exchange
  const { cid } = request
  const resolved = await resolvePath(source, cid, request.path).catch((err: unknown) => {
    if (err instanceof CarError && err.code === 'CAR_MISSING_BLOCK') return undefined
    throw err
  })
  if (!resolved || !(await source.has(resolved.end)))
    return send(res, 404, `No DAG at /ipfs/${cid}/${request.path.join('/')}`)
  const end = resolved.end
  let scope = request.scope
  let range: { start: number; end: number } | undefined
  if (request.bytes && end.multihash.code !== IDENTITY) {
    const rootBytes = await source.get(end)
    if (isFileBlock(end, rootBytes)) {
      const size = nodeSize(decodeFileNode(end, rootBytes))
      const resolvedRange = resolveRange(request.bytes, size)
      if (resolvedRange === 'outside')
        return send(
          res,
          400,
          `entity-bytes ${request.bytes.from}:${request.bytes.to} lies outside the ${size}-byte file`,
        )
      if (resolvedRange === 'empty') scope = 'block'
      else range = resolvedRange
    }
  }
  const etagBasis = [cid, request.path.join('/'), scope, range?.start, range?.end, request.dups].join('|')
  const etag = `W/"${cid}.car.${createHash('sha256').update(etagBasis).digest('hex').slice(0, 16)}"`
  const fresh = headers(req, res, request, etag, {
    'Content-Type': `application/vnd.ipld.car; version=1; order=dfs; dups=${request.dups ? 'y' : 'n'}`,
    'Content-Disposition': `attachment; filename="${cid}.car"`,
  })
  if (!fresh || head) {
    res.end()
    return
  }
  const controller = new AbortController()
  res.on('close', () => controller.abort())
  await write(res, encodeCarHeader([cid]))
  const sent = new Set<string>()
  for (const block of resolved.blocks) {
    const key = block.cid.toString()
    if (!request.dups && sent.has(key)) continue
    sent.add(key)
    await write(res, section(block))
  }
  if (end.multihash.code !== IDENTITY) {
    for await (const block of walkDag(source, end, {
      scope,
      range,
      dups: request.dups,
      signal: controller.signal,
    })) {
      await write(res, section(block))
    }
  }
  res.end()
}
