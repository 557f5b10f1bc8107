import { afterEach, describe, expect, it } from 'vitest'
import { AbortError, NetworkError, SdError, ValidationError } from '../errors.js'
import { answerRange, closedPort, serve, type TestServer, testBytes } from '../test-support/http-server.js'
import { HttpRangeReader } from './http-range.js'
import { retryingFetch } from './retrying-fetch.js'

const body = testBytes(10_000)
const quick = { retries: 2, backoffMs: 1, timeoutMs: 2000, idleTimeoutMs: 2000 }
const servers: TestServer[] = []

async function server(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(handler)
  servers.push(s)
  return s
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function caught(run: () => Promise<unknown>): Promise<SdError> {
  const err = await run().then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(SdError)
  return err as SdError
}

describe('failed connections are typed and name the URL', () => {
  it('connection refused, after the retries', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/data.bin`
    const err = await caught(() => HttpRangeReader.open(url, quick))
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.code).toBe('HTTP_CONNECTION_REFUSED')
    expect(err.message).toContain(url)
    expect(err.message).toContain('after 2 retries')
    const viaFetch = await caught(() => retryingFetch(fetch, quick)(url))
    expect(viaFetch.code).toBe('HTTP_CONNECTION_REFUSED')
    expect(viaFetch.message).toContain(url)
  })

  it('a host name that does not resolve', async () => {
    const url = 'http://no-such-host.invalid/data.bin'
    const err = await caught(() => HttpRangeReader.open(url, quick))
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.code).toBe('HTTP_DNS')
    expect(err.message).toContain(url)
  })

  it('a connection reset before any answer, after the retries', async () => {
    const s = await server((req) => req.socket.destroy())
    const err = await caught(() => HttpRangeReader.open(s.url(), quick))
    expect(err.code).toBe('HTTP_CONNECTION_RESET')
    expect(err.message).toContain(s.url())
    expect(s.seen).toHaveLength(3)
  })

  it('a URL fetch cannot request is a ValidationError', async () => {
    const err = await caught(() => HttpRangeReader.open('http://127.0.0.1:1/x', quick))
    expect(err).toBeInstanceOf(ValidationError)
    expect(err.code).toBe('INVALID_URL')
    expect(err.message).toContain('http://127.0.0.1:1/x')
  })
})

describe('redirects', () => {
  it('follows a redirect loop 10 times, then fails without retrying', async () => {
    const s = await server((_req, res) => res.writeHead(302, { location: '/data.bin' }).end())
    const err = await caught(() => HttpRangeReader.open(s.url(), quick))
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.code).toBe('HTTP_TOO_MANY_REDIRECTS')
    expect(err.message).toContain(s.url())
    // the request and its 10 redirects, once: a loop is not worth another attempt
    expect(s.seen).toHaveLength(11)
    s.seen.length = 0
    const viaFetch = await caught(() => retryingFetch(fetch, { ...quick, maxRedirects: 3 })(s.url('/api')))
    expect(viaFetch.code).toBe('HTTP_TOO_MANY_REDIRECTS')
    expect(s.seen).toHaveLength(4)
  })

  it('follows a chain within the cap, keeps Range, and drops Authorization on another origin', async () => {
    const target = await server((req, res) => answerRange(req, res, body))
    const hops = await server((req, res) => {
      const hop = Number(req.url?.split('/')[1] ?? 0)
      res.writeHead(hop < 3 ? 307 : 302, { location: hop < 3 ? `/${hop + 1}` : target.url() }).end()
    })
    const reader = await HttpRangeReader.open(hops.url('/0'), {
      ...quick,
      headers: { authorization: 'Bearer x' },
    })
    expect(reader.byteLength).toBe(body.length)
    expect(await reader.read(5000, 5100)).toEqual(body.subarray(5000, 5100))
    expect(hops.seen.every((r) => r.headers.authorization === 'Bearer x')).toBe(true)
    expect(target.seen.map((r) => [r.range, r.headers.authorization])).toEqual([
      ['bytes=0-0', undefined],
      ['bytes=5000-5099', undefined],
    ])
  })
})

describe('the opening request retries like the others', () => {
  it.each([500, 502, 503, 504, 429])('HTTP %i on the probe, then the object', async (status) => {
    const s = await server((req, res, n) =>
      n < 2 ? res.writeHead(status).end() : answerRange(req, res, body, { etag: '"v1"' }),
    )
    const reader = await HttpRangeReader.open(s.url(), quick)
    expect(reader.byteLength).toBe(body.length)
    expect(reader.version).toBe('"v1"')
    expect(reader.stats.retries).toBe(2)
  })

  it('a probe that keeps failing ends in a NetworkError with the status and the URL', async () => {
    const s = await server((_req, res) => res.writeHead(503).end())
    const err = await caught(() => HttpRangeReader.open(s.url(), quick))
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.code).toBe('HTTP_503')
    expect((err as NetworkError).status).toBe(503)
    expect(err.message).toContain(s.url())
    expect(s.seen).toHaveLength(3)
  })

  it('honours Retry-After on the probe', async () => {
    const s = await server((req, res, n) =>
      n === 0 ? res.writeHead(429, { 'retry-after': '0.3' }).end() : answerRange(req, res, body),
    )
    await HttpRangeReader.open(s.url(), quick)
    const [first, second] = s.seen
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(290)
  })
})

describe('abort', () => {
  it('cancels a pending retry wait at once, on open, on read and in retryingFetch', async () => {
    let fail = true
    const s = await server((req, res) =>
      fail ? res.writeHead(503, { 'retry-after': '30' }).end() : answerRange(req, res, body),
    )
    const timed = async (run: (signal: AbortSignal) => Promise<unknown>) => {
      const controller = new AbortController()
      const t0 = performance.now()
      setTimeout(() => controller.abort(), 50)
      const err = await run(controller.signal).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AbortError)
      // the 30 s Retry-After wait ended with the abort
      expect(performance.now() - t0).toBeLessThan(1000)
    }
    await timed((signal) => HttpRangeReader.open(s.url(), { ...quick, signal }))
    fail = false
    const reader = await HttpRangeReader.open(s.url(), quick)
    fail = true
    await timed((signal) => reader.read(0, 100, signal))
    await timed((signal) => retryingFetch(fetch, { ...quick, signal })(s.url()))
  })
})
