/**
 * Real HTTP servers on 127.0.0.1 for the network tests: each test scripts how its server answers
 * (or fails to), and reads back what the client sent.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What one request carried. */
export interface SeenRequest {
  path: string
  range: string | undefined
  headers: IncomingHttpHeaders
  /** `performance.now()` at arrival. */
  at: number
}

/** A running server. */
export interface TestServer {
  /** `http://127.0.0.1:port` */
  origin: string
  /** `origin` + `path`. */
  url(path?: string): string
  /** Every request so far, in order. */
  readonly seen: SeenRequest[]
  /** Drops every connection and stops listening. */
  close(): Promise<void>
}

/** How a test server answers request number `n` (0-based). */
export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void

/** Starts a server that answers with `handler`. */
export async function serve(handler: Handler): Promise<TestServer> {
  const seen: SeenRequest[] = []
  const server = createServer((req, res) => {
    const n = seen.length
    seen.push({ path: req.url ?? '', range: req.headers.range, headers: req.headers, at: performance.now() })
    handler(req, res, n)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    url: (path = '/data.bin') => origin + path,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port on 127.0.0.1 nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** The range `bytes=a-b` of a request, clipped to `size` (the whole object without one). */
export function requestedRange(
  req: IncomingMessage,
  size: number,
): { start: number; end: number } | undefined {
  const match = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')
  if (!match) return undefined
  return { start: Number(match[1]), end: Math.min(Number(match[2]), size - 1) }
}

/** Answers as a correct server does: 206 with `Content-Range` for a range request, else 200. */
export function answerRange(
  req: IncomingMessage,
  res: ServerResponse,
  body: Uint8Array,
  headers: Record<string, string> = {},
): void {
  const range = requestedRange(req, body.length)
  if (!range) {
    res.writeHead(200, { 'content-length': body.length, ...headers }).end(body)
    return
  }
  const slice = body.subarray(range.start, range.end + 1)
  res
    .writeHead(206, {
      'content-range': `bytes ${range.start}-${range.end}/${body.length}`,
      'content-length': slice.length,
      ...headers,
    })
    .end(slice)
}

/** Deterministic test bytes. */
export function testBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31) % 251)
}
