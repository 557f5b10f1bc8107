import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { NetworkError, type SdError, ValidationError } from '@sd/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadHuggingFace } from './load.js'
import { parquetRows, readDirect } from './test-support/fixtures.js'
import { FakeHub } from './test-support/hub-server.js'

let hub: FakeHub
const data = parquetRows({ start: 0, count: 1000, rowGroupSize: 250 })
const fast = { timeoutMs: 300, idleTimeoutMs: 300, retries: 2, backoffMs: 1 }

beforeAll(async () => {
  hub = await FakeHub.start()
  hub.commit('acme/net', [{ path: 'data/train-00000-of-00001.parquet', data }])
})
afterAll(() => hub.close())
afterEach(() => {
  hub.silent = undefined
})

async function failure(run: () => Promise<unknown>): Promise<{ err: SdError; ms: number }> {
  const t0 = performance.now()
  const err = await run().then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(NetworkError)
  return { err: err as SdError, ms: performance.now() - t0 }
}

/** A bare server on 127.0.0.1 that answers every request with `handler`; returns its origin and request count. */
async function bare(handler: Parameters<typeof createServer>[1]) {
  let requests = 0
  const server = createServer((req, res) => {
    requests++
    handler?.(req, res)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

describe('timeouts', () => {
  it('a hub API that never answers fails with HTTP_TIMEOUT naming the URL, after the retries', async () => {
    hub.silent = (r) => r.path.startsWith('/api/')
    hub.resetLog()
    const { err, ms } = await failure(() => loadHuggingFace('acme/net', { ...fast, hubUrl: hub.url }).count())
    expect(err.code).toBe('HTTP_TIMEOUT')
    expect(err.message).toContain(`${hub.url}/api/datasets/acme/net?blobs=true`)
    expect(err.message).toContain('after 2 retries')
    // on a loaded machine an attempt may time out before its request reached the hub
    expect(hub.log.length).toBeLessThanOrEqual(3)
    expect(ms).toBeLessThan(3 * 300 + 3000)
  })

  it('a CDN that never answers fails the read, naming the file the loader asked for', async () => {
    hub.silent = (r) => r.server === 'cdn'
    const { err } = await failure(() => loadHuggingFace('acme/net', { ...fast, hubUrl: hub.url }).count())
    expect(err.code).toBe('HTTP_TIMEOUT')
    expect(err.message).toContain('/datasets/acme/net/resolve/')
    expect(err.message).toContain('train-00000-of-00001.parquet')
  })

  it('a CDN silent on two requests is retried, and every row comes once', async () => {
    let silenced = 0
    hub.silent = (r) => r.server === 'cdn' && r.range !== undefined && silenced++ < 2
    hub.resetLog()
    const rows = await loadHuggingFace('acme/net', {
      ...fast,
      timeoutMs: 1000,
      retries: 5,
      hubUrl: hub.url,
      batchSize: 300,
    }).toArray()
    expect(rows).toEqual(await readDirect([data]))
    expect(silenced).toBeGreaterThanOrEqual(2)
  })

  it('checks the timeout options', () => {
    expect(() => loadHuggingFace('acme/net', { hubUrl: hub.url, timeoutMs: 0 })).toThrow(ValidationError)
    expect(() => loadHuggingFace('acme/net', { hubUrl: hub.url, maxRedirects: -1 })).toThrow(ValidationError)
  })
})

describe('failures are typed and name the URL', () => {
  it('a redirect loop on the hub API is followed maxRedirects times, once', async () => {
    const loop = await bare((req, res) => res.writeHead(302, { location: req.url ?? '/' }).end())
    try {
      // timeouts a loaded machine cannot hit: a timed-out attempt would be retried, and loop again
      const patient = { ...fast, timeoutMs: 10_000, idleTimeoutMs: 10_000 }
      const { err } = await failure(() =>
        loadHuggingFace('acme/net', { ...patient, hubUrl: loop.url }).count(),
      )
      expect(err.code).toBe('HTTP_TOO_MANY_REDIRECTS')
      expect(err.message).toContain(`${loop.url}/api/datasets/acme/net`)
      expect(loop.requests()).toBe(11)
    } finally {
      await loop.close()
    }
  })

  it('a redirect loop on a file is followed maxRedirects times, once, naming the file', async () => {
    const sha = 'a'.repeat(40)
    const siblings = [{ rfilename: 'train.parquet', size: 1000, lfs: { sha256: 'b'.repeat(64), size: 1000 } }]
    const loop = await bare((req, res) => {
      if (req.url?.startsWith('/api/'))
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sha, siblings }))
      else res.writeHead(302, { location: req.url ?? '/' }).end()
    })
    try {
      const patient = { ...fast, timeoutMs: 10_000, idleTimeoutMs: 10_000, maxRedirects: 4 }
      const { err } = await failure(() =>
        loadHuggingFace('acme/net', { ...patient, hubUrl: loop.url }).count(),
      )
      expect(err.code).toBe('HTTP_TOO_MANY_REDIRECTS')
      expect(err.location?.url).toBe(`${loop.url}/datasets/acme/net/resolve/${sha}/train.parquet`)
      // the revision answer, then the file's first read: the request and 4 redirects
      expect(loop.requests()).toBe(1 + 5)
    } finally {
      await loop.close()
    }
  })

  it('a hub that refuses connections', async () => {
    const gone = await bare(undefined)
    await gone.close()
    const { err } = await failure(() => loadHuggingFace('acme/net', { ...fast, hubUrl: gone.url }).count())
    expect(err.code).toBe('HTTP_CONNECTION_REFUSED')
    expect(err.message).toContain(`${gone.url}/api/datasets/acme/net`)
  })
})
