import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { NetworkError, SdError } from '../errors.js'
import {
  answerRange,
  requestedRange,
  serve,
  type TestServer,
  testBytes,
} from '../test-support/http-server.js'
import { parseContentRange } from './content-range.js'
import { HttpRangeReader } from './http-range.js'

const body = testBytes(10_000)
const quick = { retries: 2, backoffMs: 1 }
const servers: TestServer[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/** A server that answers the probe correctly and every read with `read`. */
async function reader(
  read: (req: IncomingMessage, res: ServerResponse, range: { start: number; end: number }) => void,
): Promise<{ reader: HttpRangeReader; server: TestServer }> {
  const server = await serve((req, res, n) =>
    n === 0 ? answerRange(req, res, body) : read(req, res, requestedRange(req, body.length)!),
  )
  servers.push(server)
  return { reader: await HttpRangeReader.open(server.url(), quick), server }
}

function send206(res: ServerResponse, contentRange: string | undefined, data: Uint8Array, length = true) {
  res.writeHead(206, {
    ...(contentRange === undefined ? {} : { 'content-range': contentRange }),
    ...(length ? { 'content-length': data.length } : {}),
  })
  res.end(data)
}

async function badRange(r: HttpRangeReader, start: number, end: number): Promise<NetworkError> {
  const err = await r.read(start, end).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(NetworkError)
  const e = err as NetworkError
  expect(e.code).toBe('HTTP_BAD_RANGE')
  expect(e.message).toContain(r.name)
  expect(e.message).toContain(`bytes ${start}-${end - 1}`)
  return e
}

describe('every 206 is checked against the range asked for', () => {
  it('refuses other bytes than asked, naming the URL and the range', async () => {
    const shifted = await reader((_req, res, { start, end }) =>
      send206(res, `bytes ${start + 1}-${end + 1}/${body.length}`, body.subarray(start + 1, end + 2)),
    )
    const err = await badRange(shifted.reader, 100, 200)
    expect(err.message).toContain('Content-Range "bytes 101-200/10000"')
    // not retried: the server answered, wrongly
    expect(shifted.server.seen).toHaveLength(2)
  })

  it('refuses a 206 without Content-Range, or with one it cannot read', async () => {
    const missing = await reader((_req, res, { start, end }) =>
      send206(res, undefined, body.subarray(start, end + 1)),
    )
    await badRange(missing.reader, 0, 10)
    const garbled = await reader((_req, res, { start, end }) =>
      send206(res, `bytes ${end}-${start}/${body.length}`, body.subarray(start, end + 1)),
    )
    await badRange(garbled.reader, 0, 10)
  })

  it('refuses a range beyond the one asked for', async () => {
    const { reader: r } = await reader((_req, res, { start, end }) =>
      send206(res, `bytes ${start}-${end + 5}/${body.length}`, body.subarray(start, end + 6)),
    )
    await badRange(r, 0, 10)
  })

  it('refuses a body longer than its Content-Range (chunked, no Content-Length)', async () => {
    const { reader: r } = await reader((_req, res, { start, end }) =>
      send206(res, `bytes ${start}-${end}/${body.length}`, body.subarray(start, end + 50), false),
    )
    const err = await badRange(r, 0, 10)
    expect(err.message).toContain('longer than its Content-Range')
  })

  it('refuses a Content-Length that disagrees with the Content-Range', async () => {
    const { reader: r } = await reader((_req, res, { start, end }) => {
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': 3 })
      res.end(body.subarray(start, start + 3))
    })
    await badRange(r, 0, 10)
  })

  it('a different total means the object changed', async () => {
    const { reader: r } = await reader((_req, res, { start, end }) =>
      send206(res, `bytes ${start}-${end}/${body.length + 1}`, body.subarray(start, end + 1)),
    )
    const err = await r.read(0, 10).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SdError)
    expect((err as SdError).code).toBe('REMOTE_CHANGED')
  })

  it('accepts a shorter range than asked and asks again for the rest', async () => {
    const { reader: r, server } = await reader((_req, res, { start, end }) => {
      const last = Math.min(end, start + 999)
      send206(res, `bytes ${start}-${last}/${body.length}`, body.subarray(start, last + 1))
    })
    expect(await r.read(500, 3700)).toEqual(body.subarray(500, 3700))
    expect(server.seen.slice(1).map((q) => q.range)).toEqual([
      'bytes=500-3699',
      'bytes=1500-3699',
      'bytes=2500-3699',
      'bytes=3500-3699',
    ])
    expect(r.stats.retries).toBe(0)
  })

  it('resumes a 206 whose body broke, and checks the resumed answer too', async () => {
    let first = true
    const { reader: r, server } = await reader((_req, res, { start, end }) => {
      const data = body.subarray(start, end + 1)
      res.writeHead(206, {
        'content-range': `bytes ${start}-${end}/${body.length}`,
        'content-length': data.length,
      })
      if (first) {
        first = false
        res.write(data.subarray(0, 100), () => res.socket?.destroy())
      } else res.end(data)
    })
    expect(await r.read(1000, 2000)).toEqual(body.subarray(1000, 2000))
    expect(server.seen.slice(1).map((q) => q.range)).toEqual(['bytes=1000-1999', 'bytes=1100-1999'])
  })
})

describe('a 200 to a range request', () => {
  it('is sliced to the range', async () => {
    const { reader: r } = await reader((_req, res) =>
      res.writeHead(200, { 'content-length': body.length }).end(body),
    )
    expect(await r.read(7000, 7010)).toEqual(body.subarray(7000, 7010))
  })

  it('of another length than the object means the object changed', async () => {
    const { reader: r } = await reader((_req, res) =>
      res.writeHead(200, { 'content-length': body.length - 1 }).end(body.subarray(1)),
    )
    const err = await r.read(0, 10).catch((e: unknown) => e)
    expect((err as SdError).code).toBe('REMOTE_CHANGED')
  })
})

describe('parseContentRange', () => {
  it('reads first, last and total, and refuses what does not add up', () => {
    expect(parseContentRange('bytes 0-9/100')).toEqual({ first: 0, last: 9, total: 100 })
    expect(parseContentRange('bytes 5-9/*')).toEqual({ first: 5, last: 9, total: undefined })
    expect(parseContentRange('bytes 9-5/100')).toBeUndefined()
    expect(parseContentRange('bytes 0-100/100')).toBeUndefined()
    expect(parseContentRange('items 0-9/100')).toBeUndefined()
    expect(parseContentRange(null)).toBeUndefined()
  })
})
