/**
 * The process behind `startS3Server` (s3-server.ts): s3rver on 127.0.0.1 behind a front that
 * checks every request's AWS Signature V4, recomputed with @smithy/signature-v4 (independent of
 * the signer under test), since s3rver checks only the access key id. Plain GetObject requests are
 * then answered from the bytes s3rver stored (`s3-object-reads.mjs`), the rest proxied to s3rver. Runs under
 * `--openssl-legacy-provider`: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
 * Node 20's OpenSSL 3 keeps in its legacy provider.
 *
 * Configuration comes as JSON in argv[2]; the process prints `{"endpoint": ...}` on stdout once
 * listening, answers `GET /__sd/seen?since=n` with the requests it saw, and removes its directory
 * on SIGTERM.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, request as httpRequest } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { objectReads } from './s3-object-reads.mjs'

const S3rver = createRequire(import.meta.url)('s3rver')
const config = JSON.parse(process.argv[2] ?? '{}')
const { region, credentials, buckets, allowAnonymous } = config

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/

const directory = await mkdtemp(join(tmpdir(), 'sd-s3rver-'))
const backend = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
})
const { port: backendPort } = await backend.run()
const verifier = new SignatureV4({
  service: 's3',
  region,
  credentials,
  sha256: Hash.bind(null, 'sha256'),
  uriEscapePath: false,
  applyChecksum: false,
})
const seen = []

/** Why S3 would refuse this request: `[status, code, message]`, or undefined when it is valid. */
async function check(req) {
  const auth = req.headers.authorization
  if (auth === undefined) return allowAnonymous ? undefined : [403, 'AccessDenied', 'Access Denied']
  const match = AUTH.exec(auth)
  if (!match) return [400, 'InvalidArgument', 'Unsupported Authorization Type']
  const [, keyId, day, scopeRegion, service, signedList, signature] = match
  if (keyId !== credentials.accessKeyId)
    return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.']
  if (scopeRegion !== region || service !== 's3')
    return [
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`,
    ]
  const amzDate = req.headers['x-amz-date']
  if (typeof amzDate !== 'string' || amzDate.slice(0, 8) !== day)
    return [403, 'AccessDenied', 'X-Amz-Date is missing or does not match the credential scope']
  if (
    credentials.sessionToken !== undefined &&
    req.headers['x-amz-security-token'] !== credentials.sessionToken
  )
    return [403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.']
  const signedHeaders = signedList.split(';')
  const headers = {}
  for (const name of signedHeaders) {
    const value = req.headers[name]
    headers[name] = Array.isArray(value) ? value.join(',') : (value ?? '')
  }
  const url = new URL(req.url ?? '/', 'http://front')
  const query = {}
  for (const [k, v] of url.searchParams) {
    const prev = query[k]
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  const d = amzDate
  const signingDate = new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  )
  // the path as it came on the wire: S3 signs it without a second round of escaping
  const rawPath = (req.url ?? '/').split('?')[0]
  const signed = await verifier.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', path: rawPath, query, headers },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  )
  const expected = String(signed.headers.authorization ?? '')
  if (
    /Signature=([0-9a-f]{64})/.exec(expected)?.[1] !== signature ||
    /SignedHeaders=([^,]+)/.exec(expected)?.[1] !== signedList
  )
    return [
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ]
  return undefined
}

function refuse(res, [status, code, message], entry) {
  entry.status = status
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Region>${region}</Region></Error>`
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) })
  // a HEAD answer carries the status alone, as S3's does
  res.end(entry.method === 'HEAD' ? undefined : body)
}

const front = createServer((req, res) => {
  if (req.url?.startsWith('/__sd/seen')) {
    const since = Number(new URL(req.url, 'http://front').searchParams.get('since') ?? 0)
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen.slice(since)))
    return
  }
  const entry = {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    range: req.headers.range,
    signed: req.headers.authorization !== undefined,
    status: 0,
  }
  seen.push(entry)
  check(req)
    .then(
      async (refusal) => {
        if (refusal) {
          req.resume()
          refuse(res, refusal, entry)
          return
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') reads.forget()
        else if (await reads.serve(req, res, entry)) return
        const headers = { ...req.headers }
        // s3rver does not check V4 signatures and knows only its own key id: the front vouched
        delete headers.authorization
        delete headers['x-amz-security-token']
        const upstream = httpRequest(
          { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers },
          (answer) => {
            entry.status = answer.statusCode ?? 0
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(res)
          },
        )
        upstream.on('error', () => res.destroy())
        req.pipe(upstream)
      },
      (err) => refuse(res, [500, 'InternalError', String(err)], entry),
    )
    .catch((err) =>
      res.headersSent ? res.destroy() : refuse(res, [500, 'InternalError', String(err)], entry),
    )
})
front.keepAliveTimeout = 30_000
await new Promise((resolve) => front.listen(0, '127.0.0.1', resolve))
const reads = objectReads(backend.store, `127.0.0.1:${front.address().port}`)
process.stdout.write(`${JSON.stringify({ endpoint: `http://127.0.0.1:${front.address().port}` })}\n`)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  front.closeAllConnections()
  front.close()
  await backend.close().catch(() => undefined)
  await rm(directory, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// the parent went away: do not outlive it
process.stdin.on('end', stop)
process.stdin.resume()
