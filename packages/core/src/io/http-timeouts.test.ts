import { createServer as createTcpServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { NetworkError, ValidationError } from '../errors.js'
import {
  answerRange,
  requestedRange,
  serve,
  type TestServer,
  testBytes,
} from '../test-support/http-server.js'
import { HTTP_DEFAULTS, httpTimeBudgetMs } from './http-options.js'
import { HttpRangeReader } from './http-range.js'
import { retryingFetch, retryingRequest } from './retrying-fetch.js'

const body = testBytes(50_000)
const fast = { timeoutMs: 150, idleTimeoutMs: 150, retries: 2, backoffMs: 1 }
const servers: TestServer[] = []
const timers = new Set<ReturnType<typeof setInterval>>()

async function server(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(handler)
  servers.push(s)
  return s
}

/** Answers a range with its headers at once, then one byte every `everyMs` (or never, when 0). */
function trickle(everyMs: number): Parameters<typeof serve>[0] {
  return (req, res) => {
    const range = requestedRange(req, body.length)!
    res.writeHead(206, {
      'content-range': `bytes ${range.start}-${range.end}/${body.length}`,
      'content-length': range.end - range.start + 1,
    })
    res.flushHeaders()
    if (everyMs === 0) return
    let pos = range.start
    const timer = setInterval(() => {
      if (pos > range.end) return clearInterval(timer)
      res.write(body.subarray(pos, pos + 1))
      pos++
    }, everyMs)
    timers.add(timer)
    res.on('close', () => clearInterval(timer))
  }
}

afterEach(async () => {
  for (const t of timers) clearInterval(t)
  timers.clear()
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function failure(run: () => Promise<unknown>): Promise<{ err: NetworkError; ms: number }> {
  const t0 = performance.now()
  const err = await run().then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(NetworkError)
  return { err: err as NetworkError, ms: performance.now() - t0 }
}

describe('timeouts', () => {
  it('a server that never answers fails the open after the retries, naming the URL', async () => {
    const s = await server(() => undefined)
    const { err, ms } = await failure(() => HttpRangeReader.open(s.url(), fast))
    expect(err.code).toBe('HTTP_TIMEOUT')
    expect(err.message).toContain(s.url())
    expect(err.message).toContain('after 2 retries')
    // on a loaded machine an attempt may time out before its request reached the server
    expect(s.seen.length).toBeLessThanOrEqual(3)
    // three attempts of 150 ms, within the budget the options promise (plus scheduling slack)
    expect(ms).toBeGreaterThanOrEqual(3 * 150 - 5)
    expect(ms).toBeLessThan(httpTimeBudgetMs(fast) + 2000)
  })

  it('a server that sends headers and then nothing fails the read with HTTP_IDLE_TIMEOUT', async () => {
    const s = await server((req, res, n) => (n === 0 ? answerRange(req, res, body) : trickle(0)(req, res, n)))
    const reader = await HttpRangeReader.open(s.url(), fast)
    const { err, ms } = await failure(() => reader.read(0, 1000))
    expect(err.code).toBe('HTTP_IDLE_TIMEOUT')
    expect(err.message).toContain(s.url())
    expect(err.location?.byte).toBe(0)
    expect(err.message).toContain('after 2 retries')
    expect(s.seen.length).toBeLessThanOrEqual(4)
    expect(ms).toBeLessThan(httpTimeBudgetMs(fast) + 2000)
  })

  it('a server that trickles a byte every 20 ms is as stalled as a silent one', async () => {
    const s = await server((req, res, n) =>
      n === 0 ? answerRange(req, res, body) : trickle(20)(req, res, n),
    )
    const reader = await HttpRangeReader.open(s.url(), { ...fast, idleTimeoutMs: 200 })
    const { err } = await failure(() => reader.read(0, 1000))
    expect(err.code).toBe('HTTP_IDLE_TIMEOUT')
    // 1024 bytes/s over 200 ms asks for 204 bytes a window; about 10 came
    expect(err.message).toMatch(/expected at least 204 bytes within 200 ms, got \d+/)
    expect(reader.stats.retries).toBe(2)
  })

  it('minBytesPerSecond 0 lets a trickle through as long as bytes keep coming', async () => {
    const s = await server((req, res, n) =>
      n === 0 ? answerRange(req, res, body) : trickle(10)(req, res, n),
    )
    const reader = await HttpRangeReader.open(s.url(), { ...fast, idleTimeoutMs: 1000, minBytesPerSecond: 0 })
    expect(await reader.read(100, 130)).toEqual(body.subarray(100, 130))
    expect(reader.stats.retries).toBe(0)
  })

  it('a slow but steady body is not cut: only a stall while reading counts', async () => {
    // 2 KiB every 50 ms is 40 KiB/s, well above the 1 KiB/s floor
    const s = await server((req, res) => {
      const range = requestedRange(req, body.length)!
      res.writeHead(206, {
        'content-range': `bytes ${range.start}-${range.end}/${body.length}`,
        'content-length': range.end - range.start + 1,
      })
      let pos = range.start
      const timer = setInterval(() => {
        res.write(body.subarray(pos, Math.min(pos + 2048, range.end + 1)))
        pos += 2048
        if (pos > range.end) {
          clearInterval(timer)
          res.end()
        }
      }, 50)
      timers.add(timer)
    })
    const reader = await HttpRangeReader.open(s.url(), { ...fast, idleTimeoutMs: 1000 })
    expect(await reader.read(0, 20_000)).toEqual(body.subarray(0, 20_000))
    expect(reader.stats.retries).toBe(0)
  })

  it('headers that trickle in count against timeoutMs', async () => {
    const sockets = new Set<Socket>()
    const tcp = createTcpServer((socket) => {
      sockets.add(socket)
      const head = 'HTTP/1.1 206 Partial Content\r\ncontent-range: bytes 0-0/10\r\n'
      let i = 0
      const timer = setInterval(() => {
        if (i < head.length) socket.write(head[i++] ?? '')
      }, 20)
      timers.add(timer)
      socket.on('close', () => clearInterval(timer))
      socket.on('error', () => undefined)
    })
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(tcp.address() as { port: number }).port}/x`
    try {
      const { err } = await failure(() => HttpRangeReader.open(url, { ...fast, retries: 1 }))
      expect(err.code).toBe('HTTP_TIMEOUT')
      expect(err.message).toContain(url)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => tcp.close(() => r()))
    }
  })

  it('a server silent on the first attempt and answering on the second gives the bytes', async () => {
    const s = await server((req, res, n) => {
      if (n !== 1) answerRange(req, res, body)
    })
    const reader = await HttpRangeReader.open(s.url(), { ...fast, timeoutMs: 1000 })
    expect(await reader.read(10, 20)).toEqual(body.subarray(10, 20))
    expect(reader.stats.retries).toBe(1)
  })

  it('retryingFetch times out silent servers and stalled bodies too', async () => {
    const silent = await server(() => undefined)
    const slow = retryingFetch(fetch, { ...fast, retries: 1 })
    const a = await failure(() => slow(silent.url('/api')))
    expect(a.err.code).toBe('HTTP_TIMEOUT')
    expect(a.err.message).toContain(silent.url('/api'))
    expect(a.err.message).toContain('after 1 retry')
    expect(silent.seen.length).toBeLessThanOrEqual(2)

    const stalled = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 })
      res.write('{"a":')
    })
    const res = await slow(stalled.url('/api'))
    expect(res.status).toBe(200)
    const b = await failure(() => res.text())
    expect(b.err.code).toBe('HTTP_IDLE_TIMEOUT')
    expect(b.err.message).toContain(stalled.url('/api'))
  })
})

describe('retryingRequest', () => {
  it('tries a request again when its body stalls, and not when reading it fails otherwise', async () => {
    const s = await server((_req, res, n) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 9 })
      if (n === 0) res.write('{"a":')
      else res.end('{"a": 1} ')
    })
    const json = await retryingRequest(
      s.url('/api'),
      {},
      { ...fast, timeoutMs: 1000, idleTimeoutMs: 500 },
      (res) => res.json(),
    )
    expect(json).toEqual({ a: 1 })
    expect(s.seen).toHaveLength(2)

    s.seen.length = 0
    const err = await retryingRequest(s.url('/api'), {}, fast, async () => {
      throw new ValidationError('not what was expected')
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ValidationError)
    expect(s.seen).toHaveLength(1)
  })
})

describe('the default budget', () => {
  it('fails a read from a silent server within 60 s, retries included', () => {
    expect(HTTP_DEFAULTS).toMatchObject({ retries: 5, backoffMs: 100, timeoutMs: 9000, idleTimeoutMs: 9000 })
    // 6 attempts x 9 s + backoffs of 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s
    expect(httpTimeBudgetMs()).toBe(6 * 9000 + 100 + 200 + 400 + 800 + 1600)
    expect(httpTimeBudgetMs()).toBeLessThanOrEqual(60_000)
    // the budget follows the options: more retries cost more attempts and longer backoffs (capped at 10 s)
    expect(httpTimeBudgetMs({ retries: 8, backoffMs: 1000, timeoutMs: 1000, idleTimeoutMs: 500 })).toBe(
      9 * 1000 + 1000 + 2000 + 4000 + 8000 + 10_000 * 4,
    )
  })

  it('refuses timeouts that are not positive', async () => {
    for (const bad of [
      { timeoutMs: 0 },
      { idleTimeoutMs: -1 },
      { retries: 1.5 },
      { minBytesPerSecond: Number.NaN },
    ]) {
      await expect(HttpRangeReader.open('http://127.0.0.1:9/x', bad)).rejects.toBeInstanceOf(ValidationError)
    }
  })
})
