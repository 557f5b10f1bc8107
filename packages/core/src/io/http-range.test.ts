import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { StreamingCache } from '../cache.js'
import { AbortError, AuthError, NetworkError, NotFoundError, SdError } from '../errors.js'
import { HttpRangeReader } from './http-range.js'

const body = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) % 251)

/** How the server misbehaves for the current test. */
const mode = { failEvery: 0, dropAfter: 0, etag: '"v1"', status: 0, ignoreRange: false, delayMs: 0 }
let requests = 0
let served = 0

function handle(req: IncomingMessage, res: ServerResponse) {
  if (mode.delayMs) {
    const delay = mode.delayMs
    mode.delayMs = 0
    setTimeout(() => handle(req, res), delay)
    return
  }
  requests++
  if (mode.status) {
    res.writeHead(mode.status).end()
    return
  }
  if (mode.failEvery && requests % mode.failEvery === 0) {
    res.writeHead(503, { 'retry-after': '0' }).end()
    return
  }
  const match = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')
  if (!match || mode.ignoreRange) {
    res.writeHead(200, { 'content-length': body.length, etag: mode.etag })
    res.end(body)
    return
  }
  const start = Number(match[1])
  const end = Math.min(Number(match[2]), body.length - 1)
  const slice = body.subarray(start, end + 1)
  res.writeHead(206, {
    'content-range': `bytes ${start}-${end}/${body.length}`,
    'content-length': slice.length,
    etag: mode.etag,
  })
  if (mode.dropAfter && slice.length > mode.dropAfter) {
    // send part of the body, then cut the connection
    res.write(slice.subarray(0, mode.dropAfter), () => res.socket?.destroy())
    served += mode.dropAfter
    return
  }
  served += slice.length
  res.end(slice)
}

let server: Server
let url: string

beforeAll(async () => {
  server = createServer(handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.bin`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))
beforeEach(() => {
  Object.assign(mode, { failEvery: 0, dropAfter: 0, etag: '"v1"', status: 0, ignoreRange: false, delayMs: 0 })
  requests = 0
  served = 0
})

describe('HttpRangeReader', () => {
  it('learns size and ETag from a bytes=0-0 probe and reads exact ranges', async () => {
    const reader = await HttpRangeReader.open(url)
    expect(reader.byteLength).toBe(body.length)
    expect(reader.version).toBe('"v1"')
    expect(await reader.read(1000, 1010)).toEqual(body.subarray(1000, 1010))
    expect(await reader.read(99_990, 200_000)).toEqual(body.subarray(99_990))
    expect(reader.stats.requests).toBe(3)
    expect(reader.stats.bytesRead).toBe(20)
  })

  it('serves repeated ranges from the cache', async () => {
    const cache = new StreamingCache({ maxSizeMb: 1 })
    const reader = await HttpRangeReader.open(url, { cache })
    await reader.read(0, 5000)
    const before = requests
    expect(await reader.read(0, 5000)).toEqual(body.subarray(0, 5000))
    expect(requests).toBe(before)
    expect(reader.stats.cacheHits).toBe(1)
    expect(cache.getStats().hits).toBe(1)
  })

  it('retries 503 answers and still returns every byte once', async () => {
    mode.failEvery = 3
    const reader = await HttpRangeReader.open(url, { backoffMs: 1 })
    const parts: Uint8Array[] = []
    for (let start = 0; start < body.length; start += 10_000)
      parts.push(await reader.read(start, start + 10_000))
    const joined = new Uint8Array(body.length)
    for (const [i, p] of parts.entries()) joined.set(p, i * 10_000)
    expect(joined).toEqual(body)
    expect(reader.stats.retries).toBeGreaterThan(0)
  })

  it('resumes after a dropped connection where the body stopped', async () => {
    const reader = await HttpRangeReader.open(url, { backoffMs: 1 })
    served = 0
    mode.dropAfter = 4096
    const bytes = await reader.read(0, 20_000)
    expect(bytes).toEqual(body.subarray(0, 20_000))
    // each broken request delivered 4096 new bytes and the next one asked for the rest: no byte twice
    expect(served).toBe(20_000)
    expect(reader.stats.retries).toBe(4)
    expect(reader.stats.bytesRead).toBe(20_000)
  })

  it('gives up after the retries with a NetworkError naming the URL', async () => {
    const reader = await HttpRangeReader.open(url, { backoffMs: 1, retries: 2 })
    requests = 0
    mode.failEvery = 1
    const err = await reader.read(0, 10).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect((err as NetworkError).status).toBe(503)
    expect((err as Error).message).toContain(url)
    expect(requests).toBe(3)
  })

  it('maps 401 to AuthError and 404 to NotFoundError', async () => {
    mode.status = 401
    await expect(HttpRangeReader.open(url)).rejects.toBeInstanceOf(AuthError)
    mode.status = 404
    await expect(HttpRangeReader.open(url)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('fails when the object changes under the reader', async () => {
    const reader = await HttpRangeReader.open(url)
    mode.etag = '"v2"'
    const err = await reader.read(0, 10).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SdError)
    expect((err as SdError).code).toBe('REMOTE_CHANGED')
  })

  it('copes with a server that ignores Range', async () => {
    const reader = await HttpRangeReader.open(url)
    mode.ignoreRange = true
    expect(await reader.read(50_000, 50_010)).toEqual(body.subarray(50_000, 50_010))
  })

  it('aborts a read', async () => {
    const reader = await HttpRangeReader.open(url)
    mode.delayMs = 5_000
    const controller = new AbortController()
    const pending = reader.read(0, 10, controller.signal)
    setTimeout(() => controller.abort(), 20)
    await expect(pending).rejects.toBeInstanceOf(AbortError)
  })
})
