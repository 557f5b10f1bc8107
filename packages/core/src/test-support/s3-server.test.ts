import { AwsClient } from 'aws4fetch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testBytes } from './http-server.js'
import { type S3Server, startS3Server } from './s3-server.js'

let server: S3Server
let client: AwsClient
const first = testBytes(3_000_000)

beforeAll(async () => {
  server = await startS3Server({ buckets: ['data'] })
  client = new AwsClient({ ...server.credentials, service: 's3', region: server.region, retries: 0 })
  await server.put('data', 'dir/a b.bin', first)
})
afterAll(() => server.close())

/** Byte equality without vitest's element-by-element diff (slow on megabytes). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

const url = () => `${server.endpoint}/data/dir/a%20b.bin`

async function get(range?: string): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const res = await client.fetch(url(), range === undefined ? {} : { headers: { Range: range } })
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) }
}

describe('the test S3 server', () => {
  it('answers GetObject with the stored bytes, whole or ranged, with S3 headers', async () => {
    const whole = await get()
    expect(whole.status).toBe(200)
    expect(same(whole.bytes, first)).toBe(true)
    expect(whole.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/)
    expect(whole.headers.get('accept-ranges')).toBe('bytes')
    const part = await get('bytes=1000000-2500000')
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 1000000-2500000/3000000')
    expect(same(part.bytes, first.subarray(1_000_000, 2_500_001))).toBe(true)
    const tail = await get('bytes=2999990-')
    expect(tail.bytes).toEqual(first.subarray(2_999_990))
    const past = await get('bytes=2999990-9999999')
    expect(past.headers.get('content-range')).toBe('bytes 2999990-2999999/3000000')
  })

  it('refuses what S3 refuses: a bad signature, a range past the end, a missing key', async () => {
    const forged = new AwsClient({
      ...server.credentials,
      secretAccessKey: 'wrong',
      service: 's3',
      retries: 0,
    })
    expect((await forged.fetch(url())).status).toBe(403)
    const beyond = await get('bytes=5000000-5000010')
    expect(beyond.status).toBe(416)
    expect(new TextDecoder().decode(beyond.bytes)).toContain('<Code>InvalidRange</Code>')
    const missing = await client.fetch(`${server.endpoint}/data/dir/missing.bin`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('<Code>NoSuchKey</Code>')
  })

  it('serves the new bytes and ETag once an object is overwritten', async () => {
    const before = await get('bytes=0-99')
    const second = testBytes(1_000).map((b) => 255 - b)
    await server.put('data', 'dir/a b.bin', second)
    const after = await get()
    expect(same(after.bytes, second)).toBe(true)
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'))
  })
})
