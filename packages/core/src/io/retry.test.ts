import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AbortError, NetworkError } from '../errors.js'
import { retryAfterMs, sleep } from './retry.js'
import { retryingFetch } from './retrying-fetch.js'

let server: Server
let base: string
let hits = 0
let failFirst = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++
    if (req.url === '/drop') {
      req.socket.destroy()
      return
    }
    if (hits <= failFirst) res.writeHead(429, { 'retry-after': '0' }).end()
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('retryingFetch', () => {
  it('retries 429 answers until one succeeds', async () => {
    hits = 0
    failFirst = 2
    const res = await retryingFetch(fetch, { backoffMs: 1 })(`${base}/x`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('ok')
    expect(hits).toBe(3)
  })

  it('returns the last retryable answer once the retries are used up', async () => {
    hits = 0
    failFirst = 10
    const res = await retryingFetch(fetch, { backoffMs: 1, retries: 2 })(`${base}/x`)
    expect(res.status).toBe(429)
    expect(hits).toBe(3)
  })

  it('turns a connection that keeps failing into a NetworkError naming the URL', async () => {
    const err = await retryingFetch(fetch, { backoffMs: 1, retries: 1 })(`${base}/drop`).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(NetworkError)
    expect((err as NetworkError).code).toBe('HTTP_CONNECTION_RESET')
    expect((err as Error).message).toContain(`${base}/drop`)
  })
})

describe('retry helpers', () => {
  it('reads Retry-After as seconds or a date, capped at 30 s', () => {
    expect(retryAfterMs('2')).toBe(2000)
    expect(retryAfterMs('3600')).toBe(30_000)
    expect(retryAfterMs(null)).toBeUndefined()
    const inFiveSeconds = new Date(Date.now() + 5000).toUTCString()
    expect(retryAfterMs(inFiveSeconds)).toBeGreaterThan(3000)
  })

  it('sleep rejects with AbortError when aborted', async () => {
    const controller = new AbortController()
    const pending = sleep(10_000, controller.signal)
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortError)
  })
})
