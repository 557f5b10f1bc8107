import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AuthError, NetworkError, NotFoundError, SdError, ValidationError } from '../errors.js'
import { serve, testBytes } from '../test-support/http-server.js'
import { type S3Server, startS3Server } from '../test-support/s3-server.js'
import { openRange } from './open-range.js'
import { resolveS3Options } from './s3-config.js'
import { listS3 } from './s3-list.js'
import { S3RangeReader } from './s3-range.js'

let server: S3Server
const object = testBytes(300_000)

beforeAll(async () => {
  server = await startS3Server({ buckets: ['data', 'other'] })
  await server.put('data', 'objects/blob.bin', object)
  for (const name of ['b.csv', 'a.csv', 'sub/c.csv', 'with space é.csv', 'e.csv', 'f.csv', 'g.csv'])
    await server.put('data', `listing/${name}`, `name,${name}\n`)
  await server.put('data', 'listing-not/x.csv', 'x\n')
  await server.put('data', 'listing/folder/', '')
})
afterAll(() => server.close())

describe('S3RangeReader', () => {
  it('reads byte ranges of an object through signed range requests', async () => {
    const before = (await server.seen()).length
    const reader = await S3RangeReader.open('s3://data/objects/blob.bin', { s3: server.s3Options() })
    expect(reader.byteLength).toBe(object.length)
    expect(reader.name).toBe('s3://data/objects/blob.bin')
    expect(reader.version).toMatch(/[0-9a-f]{32}/)
    expect(await reader.read(0, 10)).toEqual(object.subarray(0, 10))
    expect(await reader.read(123_456, 234_567)).toEqual(object.subarray(123_456, 234_567))
    expect(await reader.read(299_990, 400_000)).toEqual(object.subarray(299_990))
    const requests = await server.seen(before)
    expect(requests.map((r) => [r.method, r.path, r.range ?? null, r.signed, r.status])).toEqual([
      ['HEAD', '/data/objects/blob.bin', null, true, 200],
      ['GET', '/data/objects/blob.bin', 'bytes=0-9', true, 206],
      ['GET', '/data/objects/blob.bin', 'bytes=123456-234566', true, 206],
      ['GET', '/data/objects/blob.bin', 'bytes=299990-299999', true, 206],
    ])
    await reader.close()
  })

  it('takes credentials, region and endpoint from the AWS environment variables', async () => {
    const saved = { ...process.env }
    const { endpoint, region, credentials } = server
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
    })
    try {
      const reader = await openRange('s3://data/objects/blob.bin')
      expect(await reader.read(1000, 1010)).toEqual(object.subarray(1000, 1010))
      await reader.close()
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    }
  })

  it('fails a wrong secret with an AuthError naming bucket and key, without retrying', async () => {
    const before = (await server.seen()).length
    const s3 = { ...server.s3Options(), secretAccessKey: 'not-the-secret' }
    const err = await S3RangeReader.open('s3://data/objects/blob.bin', { s3 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthError)
    expect(err).toMatchObject({
      code: 'HTTP_403',
      status: 403,
      location: { url: 's3://data/objects/blob.bin' },
    })
    expect((err as Error).message).toContain('key "objects/blob.bin" in bucket "data"')
    expect(await server.seen(before)).toMatchObject([{ method: 'HEAD', signed: true, status: 403 }])
    // a read with a known size goes straight to a GET, whose refusal carries S3's error code
    const reader = await S3RangeReader.open('s3://data/objects/blob.bin', {
      s3,
      known: { byteLength: object.length, etag: 'x' },
    })
    const read = await reader.read(0, 10).catch((e: unknown) => e)
    expect(read).toBeInstanceOf(AuthError)
    expect((read as Error).message).toMatch(/key "objects\/blob.bin" in bucket "data": SignatureDoesNotMatch/)
  })

  it('fails an unknown key id and a missing key with typed errors', async () => {
    const s3 = { ...server.s3Options(), accessKeyId: 'NOBODY' }
    await expect(S3RangeReader.open('s3://data/objects/blob.bin', { s3 })).rejects.toBeInstanceOf(AuthError)
    await expect(listS3('s3://data/objects/', { s3 })).rejects.toThrow(/InvalidAccessKeyId/)
    const missing = await S3RangeReader.open('s3://data/objects/nothing.bin', {
      s3: server.s3Options(),
    }).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(NotFoundError)
    expect((missing as Error).message).toContain('key "objects/nothing.bin" in bucket "data"')
  })

  it('names the region a bucket wants when the signature is scoped to another', async () => {
    const s3 = { ...server.s3Options(), region: 'eu-west-3' }
    const err = await listS3('s3://data/objects/', { s3 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ValidationError)
    expect(err).toMatchObject({ code: 'S3_WRONG_REGION' })
    expect((err as Error).message).toContain('region "us-east-1"')
  })

  it('sends no signature without credentials, and says so when refused', async () => {
    const err = await S3RangeReader.open('s3://data/objects/blob.bin', {
      s3: { endpoint: server.endpoint, region: server.region },
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthError)
    expect((err as Error).message).toMatch(/no credentials were given/)
    expect((await server.seen()).at(-1)?.signed).toBe(false)
  })

  it('times out a silent endpoint with a NetworkError naming the s3 URL', async () => {
    const silent = await serve(() => undefined)
    try {
      const err = await S3RangeReader.open('s3://data/k.bin', {
        s3: { ...server.s3Options(), endpoint: silent.origin },
        timeoutMs: 100,
        retries: 1,
        backoffMs: 1,
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(NetworkError)
      expect(err).toMatchObject({ code: 'HTTP_TIMEOUT', location: { url: 's3://data/k.bin' } })
      expect((err as Error).message).toContain('S3 key "k.bin" in bucket "data"')
      expect(silent.seen.length).toBe(2)
      expect(silent.seen[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /)
    } finally {
      await silent.close()
    }
  })
})

describe('session tokens', () => {
  let tokenServer: S3Server
  beforeAll(async () => {
    tokenServer = await startS3Server({ sessionToken: 'token-123' })
    await tokenServer.put('data', 'k.bin', 'hello')
  })
  afterAll(() => tokenServer.close())

  it('signs the session token, and a missing one is refused', async () => {
    const reader = await S3RangeReader.open('s3://data/k.bin', { s3: tokenServer.s3Options() })
    expect(new TextDecoder().decode(await reader.read(0, 5))).toBe('hello')
    const { sessionToken: _t, ...noToken } = tokenServer.s3Options()
    await expect(S3RangeReader.open('s3://data/k.bin', { s3: noToken })).rejects.toBeInstanceOf(AuthError)
  })
})

describe('listS3', () => {
  it('lists every object under a prefix, all depths, over several pages', async () => {
    const before = (await server.seen()).length
    const objects = await listS3('s3://data/listing/', { s3: server.s3Options(), pageSize: 2 })
    expect(objects.map((o) => o.key)).toEqual([
      'listing/a.csv',
      'listing/b.csv',
      'listing/e.csv',
      'listing/f.csv',
      'listing/g.csv',
      'listing/sub/c.csv',
      'listing/with space é.csv',
    ])
    expect(objects[0]).toMatchObject({ url: 's3://data/listing/a.csv', bucket: 'data', size: 11 })
    expect(objects[0]?.etag).toMatch(/"[0-9a-f]{32}"/)
    const pages = await server.seen(before)
    expect(pages.length).toBe(4)
    expect(pages.every((p) => p.signed && p.status === 200)).toBe(true)
    expect(pages[1]?.path).toContain('continuation-token=')
  })

  it('opens listed objects by their URL', async () => {
    const [first] = await listS3('s3://data/listing/with', { s3: server.s3Options() })
    const reader = await openRange(first?.url ?? '', { s3: server.s3Options() })
    expect(new TextDecoder().decode(await reader.read(0, reader.byteLength))).toBe('name,with space é.csv\n')
  })

  it('fails a wrong secret with an AuthError naming the bucket and prefix', async () => {
    const s3 = { ...server.s3Options(), secretAccessKey: 'wrong' }
    const err = await listS3('s3://data/listing/', { s3 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthError)
    expect(err).toMatchObject({ location: { url: 's3://data/listing/' } })
    expect((err as Error).message).toContain('key "listing/" in bucket "data"')
  })

  it('names a missing bucket', async () => {
    const err = await listS3('s3://nope/x/', { s3: server.s3Options() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect((err as Error).message).toContain('bucket "nope"')
  })
})

describe('S3 settings', () => {
  afterEach(() => undefined)

  it('prefers options to the environment, and AWS_ENDPOINT_URL_S3 to AWS_ENDPOINT_URL', () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'envkey',
      AWS_SECRET_ACCESS_KEY: 'envsecret',
      AWS_SESSION_TOKEN: 'envtoken',
      AWS_DEFAULT_REGION: 'ap-south-1',
      AWS_ENDPOINT_URL: 'http://general:9000',
      AWS_ENDPOINT_URL_S3: 'http://s3only:9000/',
    }
    expect(resolveS3Options({}, env)).toEqual({
      credentials: { accessKeyId: 'envkey', secretAccessKey: 'envsecret', sessionToken: 'envtoken' },
      region: 'ap-south-1',
      endpoint: 'http://s3only:9000',
      forcePathStyle: undefined,
    })
    expect(
      resolveS3Options({ region: 'eu-west-1', accessKeyId: 'k', secretAccessKey: 's' }, env),
    ).toMatchObject({
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      region: 'eu-west-1',
    })
    expect(resolveS3Options({}, {})).toEqual({
      credentials: undefined,
      region: 'us-east-1',
      endpoint: undefined,
      forcePathStyle: undefined,
    })
  })

  it('refuses half credentials and a malformed URL', async () => {
    expect(() => resolveS3Options({ accessKeyId: 'k' }, {})).toThrow(ValidationError)
    await expect(S3RangeReader.open('s3:///key')).rejects.toMatchObject({ code: 'INVALID_URL' })
    await expect(openRange('s3://')).rejects.toBeInstanceOf(SdError)
  })
})
