/**
 * An S3-compatible server on 127.0.0.1 for tests and benchmarks, in its own process
 * (`s3-server-process.mjs`): s3rver speaks the S3 HTTP API (objects, ranges, ListObjectsV2) behind
 * a front that checks every request's AWS Signature V4 with @smithy/signature-v4, an
 * implementation independent of the signer under test; plain GetObject requests are answered by the
 * front itself from the bytes s3rver stored (`s3-object-reads.mjs`), everything else by s3rver.
 * Requests with a wrong signature, an unknown
 * key id, a missing session token or a credential scope for another region are refused as S3
 * refuses them (403 `SignatureDoesNotMatch`, 403 `InvalidAccessKeyId`, 403 `InvalidToken`, 400
 * `AuthorizationHeaderMalformed`), with S3's XML error document.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { AwsClient } from 'aws4fetch'

/** Options of {@link startS3Server}. */
export interface S3ServerOptions {
  /** Buckets to create. Default `['data']`. */
  buckets?: string[]
  accessKeyId?: string
  secretAccessKey?: string
  /** When set, every request must carry this token (`X-Amz-Security-Token`), signed. */
  sessionToken?: string
  /** The region signatures must be scoped to. Default `us-east-1`. */
  region?: string
  /** Accept requests without an `Authorization` header (a public bucket). Default false. */
  allowAnonymous?: boolean
}

/** What one request to the server carried. */
export interface S3SeenRequest {
  method: string
  path: string
  range: string | undefined
  signed: boolean
  /** The status the front or s3rver answered with (0 while the answer is under way). */
  status: number
}

/** The options sd's S3 sources take to reach the server. */
export interface S3TestOptions {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** A running server. */
export interface S3Server {
  /** `http://127.0.0.1:port`: the endpoint to give as `AWS_ENDPOINT_URL` or `s3.endpoint`. */
  endpoint: string
  /** The server process's id (for benchmarks that account its CPU time). */
  pid: number | undefined
  region: string
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** The options to hand to sd's S3 sources. */
  s3Options(): S3TestOptions
  /** Uploads an object (a signed PUT). */
  put(bucket: string, key: string, body: Uint8Array | string): Promise<void>
  /** The requests the server saw, from number `since` on, in order. */
  seen(since?: number): Promise<S3SeenRequest[]>
  /** Stops the server and removes its files. */
  close(): Promise<void>
}

/** Starts the server process and waits until it listens on 127.0.0.1. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const region = options.region ?? 'us-east-1'
  const credentials = {
    accessKeyId: options.accessKeyId ?? 'SDTESTKEY',
    secretAccessKey: options.secretAccessKey ?? 'sd-test-secret/with+chars',
    ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }),
  }
  const config = {
    region,
    credentials,
    buckets: options.buckets ?? ['data'],
    allowAnonymous: options.allowAnonymous ?? false,
  }
  const script = new URL('./s3-server-process.mjs', import.meta.url)
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', script.pathname, JSON.stringify(config)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const endpoint = await firstLine(child)
  const client = new AwsClient({ ...credentials, service: 's3', region, retries: 0 })
  return {
    endpoint,
    pid: child.pid,
    region,
    credentials,
    s3Options: () => ({ endpoint, region, ...credentials }),
    async put(bucket, key, body) {
      const url = `${endpoint}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
      const res = await client.fetch(url, { method: 'PUT', body })
      if (!res.ok) throw new Error(`PUT ${url} failed: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
    },
    async seen(since = 0) {
      const res = await fetch(`${endpoint}/__sd/seen?since=${since}`)
      return (await res.json()) as S3SeenRequest[]
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    const onExit = (code: number | null) =>
      reject(new Error(`The S3 test server exited (${code}) before listening`))
    child.once('exit', onExit)
    lines.once('line', (line) => {
      child.off('exit', onExit)
      lines.close()
      resolve((JSON.parse(line) as { endpoint: string }).endpoint)
    })
  })
}

/**
 * Runs `fn` with the AWS environment variables pointing at `server` (as a user's shell would set
 * them), then restores the environment as it was.
 */
export async function withS3Environment<T>(server: S3Server, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: server.endpoint,
    AWS_REGION: server.region,
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
  })
  try {
    return await fn()
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  }
}
