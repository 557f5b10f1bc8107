import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { NetworkError, type SdError, ValidationError } from '@sd/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { tempDir, writeHyparquet } from './test-support/fixtures.js'

let cleanup: () => Promise<void>
let file: Uint8Array
/** How the server treats request number n (0-based): answer, stay silent, or fail with a status. */
let script: (n: number) => 'answer' | 'silent' | number = () => 'answer'
let seen = 0
let server: ReturnType<typeof createServer>
let url: string
const fast = { timeoutMs: 300, idleTimeoutMs: 300, retries: 2, backoffMs: 1 }

function handle(req: IncomingMessage, res: ServerResponse) {
  const what = script(seen++)
  if (what === 'silent') return
  if (typeof what === 'number') {
    res.writeHead(what).end()
    return
  }
  const match = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')
  const start = Number(match?.[1] ?? 0)
  const end = Math.min(Number(match?.[2] ?? file.length - 1), file.length - 1)
  res.writeHead(206, {
    'content-range': `bytes ${start}-${end}/${file.length}`,
    'content-length': end - start + 1,
    etag: '"v1"',
  })
  res.end(file.subarray(start, end + 1))
}

beforeAll(async () => {
  let dir: string
  ;({ dir, cleanup } = await tempDir())
  await writeHyparquet(join(dir, 'data.parquet'), 5000, [1000])
  file = new Uint8Array(await readFile(join(dir, 'data.parquet')))
  server = createServer(handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.parquet`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
  await cleanup()
})
beforeEach(() => {
  seen = 0
  script = () => 'answer'
})

async function failure(run: () => Promise<unknown>): Promise<SdError> {
  const err = await run().then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(NetworkError)
  return err as SdError
}

describe('URL sources on a failing network', () => {
  it('a server that never answers fails with HTTP_TIMEOUT naming the URL, after the retries', async () => {
    script = () => 'silent'
    const err = await failure(() => loadParquet(url, fast).count())
    expect(err.code).toBe('HTTP_TIMEOUT')
    expect(err.message).toContain(url)
    expect(err.message).toContain('after 2 retries')
    // on a loaded machine an attempt may time out before its request reached the server
    expect(seen).toBeLessThanOrEqual(3)
  })

  it('a read that stays silent once is retried and gives every row', async () => {
    script = (n) => (n === 2 ? 'silent' : 'answer')
    expect(await loadParquet(url, { ...fast, timeoutMs: 1000, retries: 5 }).count()).toBe(5000)
    expect(seen).toBeGreaterThan(3)
  })

  it('the opening request retries a 503', async () => {
    script = (n) => (n < 2 ? 503 : 'answer')
    expect(await loadParquet(url, fast).count()).toBe(5000)
  })

  it('a refused connection keeps its type and the URL (not SOURCE_ERROR)', async () => {
    const gone = createServer()
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r))
    const closed = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/data.parquet`
    await new Promise<void>((r) => gone.close(() => r()))
    const err = await failure(() => loadParquet(closed, fast).count())
    expect(err.code).toBe('HTTP_CONNECTION_REFUSED')
    expect(err.message).toContain(closed)
  })

  it('checks the HTTP options when the dataset is made', () => {
    expect(() => loadParquet(url, { timeoutMs: -5 })).toThrow(ValidationError)
  })
})
