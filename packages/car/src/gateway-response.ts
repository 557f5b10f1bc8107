import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Block } from './block-source.js'
import type { GatewayRefusal, GatewayRequest } from './gateway-request.js'
import { encodeVarint } from './varint.js'

const IMMUTABLE = 'public, max-age=29030400, immutable'

/** `entity-bytes` as a half-open range of a `size`-byte file, `'empty'` when it holds no byte, `'outside'` when it misses the file. */
export function resolveRange(
  bytes: NonNullable<GatewayRequest['bytes']>,
  size: number,
): { start: number; end: number } | 'empty' | 'outside' {
  const from = bytes.from as number
  const start = from < 0 ? Math.max(0, size + from) : from
  const last = bytes.to === '*' ? size - 1 : bytes.to < 0 ? size + bytes.to : bytes.to
  if (start >= size && size > 0) return 'outside'
  const endExclusive = Math.min(size, last + 1)
  if (endExclusive <= start) return 'empty'
  return { start, end: endExclusive }
}

/** A block as a CAR section: its length varint, CID and bytes. */
export function section(block: Block): Uint8Array[] {
  const cidBytes = block.cid.bytes
  const prefix = encodeVarint(cidBytes.length + block.bytes.length)
  return [prefix, cidBytes, block.bytes]
}

/** Writes, waiting for the socket to drain (a client that stops reading holds no more than a buffer). */
export async function write(res: ServerResponse, parts: Uint8Array | Uint8Array[]): Promise<void> {
  if (res.destroyed) throw new Error('the client went away')
  let ok = true
  for (const part of Array.isArray(parts) ? parts : [parts]) ok = res.write(part)
  if (ok) return
  await new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      cleanup()
      resolve()
    }
    const onClose = () => {
      cleanup()
      reject(new Error('the client went away'))
    }
    const cleanup = () => {
      res.off('drain', onDrain)
      res.off('close', onClose)
    }
    res.on('drain', onDrain)
    res.on('close', onClose)
  })
}

/**
 * Sets the headers of an answer: the given ones, and the ETag, caching and path headers every
 * answer carries. A matching `If-None-Match` makes it a 304 (false: send no body).
 */
export function headers(
  req: IncomingMessage,
  res: ServerResponse,
  request: GatewayRequest,
  etag: string,
  specific: Record<string, string | number>,
): boolean {
  for (const [name, value] of Object.entries(specific)) res.setHeader(name, value)
  res.setHeader('Etag', etag)
  res.setHeader('Cache-Control', IMMUTABLE)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader(
    'X-Ipfs-Path',
    `/ipfs/${request.cid}${request.path.map((s) => `/${encodeURIComponent(s)}`).join('')}`,
  )
  res.setHeader('Vary', 'Accept')
  res.statusCode = req.headers['if-none-match'] === etag ? 304 : 200
  return res.statusCode === 200
}

/** Answers a refused request with its status and message. */
export function refuse(res: ServerResponse, refusal: GatewayRefusal): void {
  send(res, refusal.status, refusal.message)
}

/** Answers with `status` and a plain-text `message`. */
export function send(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.end(`${message}\n`)
}
