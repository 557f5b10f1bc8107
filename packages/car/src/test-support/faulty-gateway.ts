import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CarBlockIterator } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { carBytes } from './car-bytes.js'

/** How a gateway misbehaves. */
export type Fault =
  | 'extra-block'
  | 'wrong-block'
  | 'missing-block'
  | 'truncated'
  | 'wrong-raw'
  | 'stall-body'
  | 'never-answer'
  | 'html'
  | 'undeclared-extras'
  | 'relabel-root'

/**
 * A trustless gateway on 127.0.0.1 that forwards to a good one (`upstream`) and spoils CAR
 * answers (`?format=car`) or raw answers as `fault` says; everything else passes unchanged.
 */
export async function faultyGateway(
  upstream: string,
  fault: Fault,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    void answer(upstream, fault, req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function answer(
  upstream: string,
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', upstream)
  const isCar = url.searchParams.get('format') === 'car'
  const isRaw = url.searchParams.get('format') === 'raw'
  if (
    fault === 'never-answer' &&
    (isCar || isRaw) &&
    req.method !== 'HEAD' &&
    !url.pathname.includes('bafyrei')
  )
    return
  const good = await fetch(url, {
    method: req.method ?? 'GET',
    headers: { Accept: req.headers.accept ?? '*/*' },
  })
  const body = new Uint8Array(await good.arrayBuffer())
  const headers: Record<string, string> = {}
  good.headers.forEach((value, key) => {
    if (key !== 'content-length' && key !== 'transfer-encoding' && key !== 'connection') headers[key] = value
  })
  if (isRaw && fault === 'wrong-raw' && body.length > 0 && !url.pathname.includes('bafyrei')) {
    body[0] = (body[0] as number) ^ 1
  }
  if (!isCar || req.method === 'HEAD' || body.length === 0) {
    res.writeHead(good.status, headers)
    res.end(body)
    return
  }
  if (fault === 'html') headers['content-type'] = 'text/html'
  if (fault === 'undeclared-extras') headers['content-type'] = 'application/vnd.ipld.car; version=1'
  if (fault === 'stall-body') {
    res.writeHead(200, headers)
    res.write(body.subarray(0, 10))
    return // never another byte
  }
  const spoiled = await spoil(body, fault)
  res.writeHead(good.status, headers)
  res.end(spoiled)
}

async function spoil(car: Uint8Array, fault: Fault): Promise<Uint8Array> {
  if (fault === 'truncated') return car.subarray(0, car.length - 100)
  const iterator = await CarBlockIterator.fromBytes(car)
  const roots = await iterator.getRoots()
  const blocks: { cid: CID; bytes: Uint8Array }[] = []
  for await (const block of iterator)
    blocks.push({ cid: CID.asCID(block.cid) as CID, bytes: block.bytes.slice() })
  if (fault === 'undeclared-extras') {
    const bytes = new TextEncoder().encode('not part of this DAG')
    blocks.splice(1, 0, { cid: CID.createV1(0x55, await sha256.digest(bytes)), bytes })
    const first = blocks[0]
    if (first) blocks.push(first)
  } else if (fault === 'extra-block') {
    const bytes = new TextEncoder().encode('not part of this DAG')
    blocks.push({ cid: CID.createV1(0x55, await sha256.digest(bytes)), bytes })
  } else if (fault === 'wrong-block') {
    const last = blocks.at(-1)
    if (last) last.bytes[0] = (last.bytes[0] as number) ^ 1
  } else if (fault === 'missing-block') {
    blocks.pop()
  } else if (fault === 'relabel-root') {
    // the dag-pb root sent as a raw block (same bytes, same hash), so it seems to link nothing,
    // and the blocks below it left out
    const root = blocks[0]
    if (root)
      blocks.splice(0, blocks.length, { cid: CID.createV1(0x55, root.cid.multihash), bytes: root.bytes })
  }
  return carBytes(blocks, roots)
}
