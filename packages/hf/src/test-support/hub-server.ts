/**
 * A local stand-in for the Hugging Face hub on 127.0.0.1, speaking the parts of its HTTP API the
 * package uses, with the hub's shapes:
 *
 * - `GET /api/datasets/{id}[/revision/{revision}]?blobs=true`: `{ id, sha, cardData, siblings:
 *   [{ rfilename, blobId, size, lfs: { sha256, size, pointerSize } }] }` (`siblings` hold only
 *   `rfilename` without `blobs`); 404 with `X-Error-Code: RepoNotFound` / `RevisionNotFound`.
 * - `GET /api/datasets/{id}/tree/{revision}[/{path}]?recursive=true`: `[{ type, oid, size, path,
 *   lfs? }]`, paginated with a `Link: <...>; rel="next"` header.
 * - `GET /datasets/{id}/resolve/{revision}/{path}`: small files served here (Range, 206,
 *   `Content-Range`, `ETag` = git blob id); LFS files answered with a 302 to a second server (the
 *   "CDN", another origin) with `X-Linked-Etag` = the SHA-256, `X-Linked-Size`, and the CDN's own
 *   different `ETag` on the bytes.
 * - Private and gated datasets: 401 without the token, 403 with a wrong one.
 *
 * Misbehaviour on demand: a 503 on every n-th request, added latency, requests never answered,
 * expired CDN links. Every
 * request is logged (server, path, range, status, body bytes, whether `Authorization` came along).
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A file to commit. Parquet files (and any file with `lfs: true`) are stored as LFS files. */
export interface FileSpec {
  path: string
  data: Uint8Array | string
  lfs?: boolean
}

/** One request the servers answered. */
export interface RequestRecord {
  server: 'hub' | 'cdn'
  path: string
  range: string | undefined
  status: number
  /** Bytes of file content sent (ranges and whole files; API answers count 0). */
  bytes: number
  authorization: string | undefined
  /** `performance.now()` when the request arrived. */
  receivedAt: number
  /** `performance.now()` when the answer was written. */
  endedAt: number
}

interface Blob {
  data: Uint8Array
  oid: string
  sha256: string
  lfs: boolean
}

interface Commit {
  sha: string
  files: Map<string, Blob>
  cardData: unknown
}

interface Repo {
  id: string
  branches: Map<string, string>
  commits: Map<string, Commit>
  token: string | undefined
  access: 'public' | 'private' | 'gated'
}

/** Options of {@link FakeHub.start}. */
export interface FakeHubOptions {
  /** Entries per tree page. Default 1000. */
  treePageSize?: number
}

let commitCounter = 0

export class FakeHub {
  /** Origin of the hub (`http://127.0.0.1:port`). */
  url = ''
  /** Origin of the CDN large files redirect to. */
  cdnUrl = ''
  /** Answer every n-th request (hub and CDN counted together) with 503. 0 = never. */
  failEvery = 0
  /** Milliseconds every answer waits before it starts. */
  latencyMs = 0
  /** Requests for which this says true are never answered (the connection stays open). */
  silent: ((request: RequestRecord) => boolean) | undefined
  /** Leave `siblings` out of revision answers (the client must use the tree listing). */
  omitSiblings = false
  /** Every request, in the order they arrived (`status` is 0 until answered). */
  readonly log: RequestRecord[] = []
  /** Answers started but not finished (a released client leaves none). */
  inFlight = 0
  /** The most answers in flight at once since the last {@link FakeHub.resetLog}. */
  peakInFlight = 0
  readonly #repos = new Map<string, Repo>()
  readonly #blobs = new Map<string, Blob>()
  readonly #treePageSize: number
  #linkGeneration = 0
  #requests = 0
  #hub: Server | undefined
  #cdn: Server | undefined

  private constructor(options: FakeHubOptions) {
    this.#treePageSize = options.treePageSize ?? 1000
  }

  /** Starts both servers on 127.0.0.1. */
  static async start(options: FakeHubOptions = {}): Promise<FakeHub> {
    const hub = new FakeHub(options)
    hub.#hub = createServer((req, res) => hub.#handle('hub', req, res))
    hub.#cdn = createServer((req, res) => hub.#handle('cdn', req, res))
    hub.url = await listen(hub.#hub)
    hub.cdnUrl = await listen(hub.#cdn)
    return hub
  }

  /** Stops both servers and drops their connections. */
  async close(): Promise<void> {
    for (const server of [this.#hub, this.#cdn]) {
      if (!server) continue
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }

  /**
   * Commits `files` as the whole content of `branch` (default `main`) of dataset `id` (created on
   * first use) and returns the new commit's sha; the branch moves to it.
   */
  commit(
    id: string,
    files: FileSpec[],
    options: {
      branch?: string
      cardData?: unknown
      access?: 'public' | 'private' | 'gated'
      token?: string
    } = {},
  ): string {
    let repo = this.#repos.get(id)
    if (!repo) {
      repo = { id, branches: new Map(), commits: new Map(), token: undefined, access: 'public' }
      this.#repos.set(id, repo)
    }
    if (options.access) repo.access = options.access
    if (options.token) repo.token = options.token
    const sha = createHash('sha1').update(`${id}:${++commitCounter}`).digest('hex')
    const map = new Map<string, Blob>()
    for (const spec of files) {
      const data = typeof spec.data === 'string' ? new TextEncoder().encode(spec.data) : spec.data
      const blob: Blob = {
        data,
        oid: createHash('sha1').update(`blob ${data.byteLength}\0`).update(data).digest('hex'),
        sha256: createHash('sha256').update(data).digest('hex'),
        lfs: spec.lfs ?? spec.path.endsWith('.parquet'),
      }
      this.#blobs.set(blob.sha256, blob)
      map.set(spec.path, blob)
    }
    repo.commits.set(sha, { sha, files: map, cardData: options.cardData })
    repo.branches.set(options.branch ?? 'main', sha)
    return sha
  }

  /** The sha `branch` of `id` points at. */
  head(id: string, branch = 'main'): string | undefined {
    return this.#repos.get(id)?.branches.get(branch)
  }

  /** Makes every CDN link handed out so far answer 403, as expired signed URLs do. */
  expireLinks(): void {
    this.#linkGeneration++
  }

  /** Clears the log, the request counter and the in-flight peak. */
  resetLog(): void {
    this.log.length = 0
    this.#requests = 0
    this.peakInFlight = this.inFlight
  }

  /** Bytes of file content served since the last {@link FakeHub.resetLog}. */
  get bytesServed(): number {
    return this.log.reduce((sum, r) => sum + r.bytes, 0)
  }

  #handle(server: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse): void {
    this.inFlight++
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight)
    let done = false
    const finish = () => {
      if (!done) {
        done = true
        this.inFlight--
      }
    }
    res.on('close', finish)
    const record: RequestRecord = {
      server,
      path: req.url ?? '',
      range: req.headers.range,
      status: 0,
      bytes: 0,
      authorization: req.headers.authorization,
      receivedAt: performance.now(),
      endedAt: 0,
    }
    const n = ++this.#requests
    this.log.push(record)
    if (this.silent?.(record)) return
    const answer = () => {
      if (res.destroyed) return
      try {
        if (this.failEvery > 0 && n % this.failEvery === 0) {
          send(res, record, 503, { 'retry-after': '0' }, 'Service Unavailable')
        } else if (server === 'cdn') {
          this.#cdnAnswer(req, res, record)
        } else {
          this.#hubAnswer(req, res, record)
        }
      } catch (err) {
        send(res, record, 500, {}, String(err))
      }
      record.endedAt = performance.now()
    }
    if (this.latencyMs > 0) setTimeout(answer, this.latencyMs)
    else answer()
  }

  #hubAnswer(req: IncomingMessage, res: ServerResponse, record: RequestRecord): void {
    const url = new URL(req.url ?? '/', this.url)
    const path = url.pathname
    if (path.startsWith('/api/datasets/')) {
      this.#api(req, res, record, url)
      return
    }
    const resolve = /^\/datasets\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(path)
    if (resolve) {
      const [, id, rev, file] = resolve as unknown as [string, string, string, string]
      this.#resolve(
        req,
        res,
        record,
        id,
        decodeURIComponent(rev),
        file.split('/').map(decodeURIComponent).join('/'),
      )
      return
    }
    send(res, record, 404, { 'content-type': 'text/plain' }, 'Not Found')
  }

  #api(req: IncomingMessage, res: ServerResponse, record: RequestRecord, url: URL): void {
    const parts = url.pathname.slice('/api/datasets/'.length).split('/')
    const at = parts.findIndex((p, i) => i > 0 && i <= 2 && (p === 'revision' || p === 'tree'))
    const id = (at === -1 ? parts : parts.slice(0, at)).join('/')
    const repo = this.#repo(req, res, record, id, false)
    if (!repo) return
    const kind = at === -1 ? 'info' : parts[at]
    const rev = at === -1 ? 'main' : decodeURIComponent(parts[at + 1] ?? '')
    const commit = this.#commit(res, record, repo, rev)
    if (!commit) return
    if (kind === 'tree') {
      this.#tree(res, record, commit, parts.slice(at + 2).join('/'), url)
      return
    }
    const blobs = url.searchParams.get('blobs') === 'true'
    const body: Record<string, unknown> = {
      _id: createHash('md5').update(repo.id).digest('hex').slice(0, 24),
      id: repo.id,
      author: repo.id.split('/')[0],
      sha: commit.sha,
      lastModified: new Date(0).toISOString(),
      private: repo.access === 'private',
      gated: repo.access === 'gated' ? 'auto' : false,
      disabled: false,
      tags: [],
      downloads: 0,
      likes: 0,
      ...(commit.cardData === undefined ? {} : { cardData: commit.cardData }),
    }
    if (!this.omitSiblings) {
      body.siblings = [...commit.files].map(([rfilename, blob]) =>
        blobs
          ? {
              rfilename,
              blobId: blob.lfs ? createHash('sha1').update(`pointer:${blob.sha256}`).digest('hex') : blob.oid,
              size: blob.data.byteLength,
              ...(blob.lfs
                ? { lfs: { sha256: blob.sha256, size: blob.data.byteLength, pointerSize: 134 } }
                : {}),
            }
          : { rfilename },
      )
    }
    json(res, record, 200, body)
  }

  #tree(res: ServerResponse, record: RequestRecord, commit: Commit, prefix: string, url: URL): void {
    const recursive = url.searchParams.get('recursive') === 'true'
    const base = prefix ? `${prefix.replace(/\/$/, '')}/` : ''
    const entries: Record<string, unknown>[] = []
    const dirs = new Set<string>()
    for (const [path, blob] of [...commit.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!path.startsWith(base)) continue
      const rest = path.slice(base.length).split('/')
      for (let i = 1; i < rest.length; i++) {
        const dir = base + rest.slice(0, i).join('/')
        if (!dirs.has(dir) && (recursive || i === 1)) {
          dirs.add(dir)
          entries.push({
            type: 'directory',
            oid: createHash('sha1').update(dir).digest('hex'),
            size: 0,
            path: dir,
          })
        }
      }
      if (!recursive && rest.length > 1) continue
      entries.push({
        type: 'file',
        oid: blob.lfs ? createHash('sha1').update(`pointer:${blob.sha256}`).digest('hex') : blob.oid,
        size: blob.data.byteLength,
        path,
        ...(blob.lfs ? { lfs: { oid: blob.sha256, size: blob.data.byteLength, pointerSize: 134 } } : {}),
      })
    }
    const cursor = Number(url.searchParams.get('cursor') ?? '0')
    const page = entries.slice(cursor, cursor + this.#treePageSize)
    const headers: Record<string, string> = {}
    if (cursor + this.#treePageSize < entries.length) {
      const next = new URL(url)
      next.searchParams.set('cursor', String(cursor + this.#treePageSize))
      headers.link = `<${next.href}>; rel="next"`
    }
    json(res, record, 200, page, headers)
  }

  #resolve(
    req: IncomingMessage,
    res: ServerResponse,
    record: RequestRecord,
    id: string,
    rev: string,
    path: string,
  ): void {
    const repo = this.#repo(req, res, record, id, true)
    if (!repo) return
    const commit = this.#commit(res, record, repo, rev)
    if (!commit) return
    const blob = commit.files.get(path)
    if (!blob) {
      send(res, record, 404, { 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found' }, '')
      return
    }
    if (blob.lfs) {
      const location = `${this.cdnUrl}/blobs/${blob.sha256}?gen=${this.#linkGeneration}&sig=x`
      send(
        res,
        record,
        302,
        {
          location,
          'x-linked-etag': `"${blob.sha256}"`,
          'x-linked-size': String(blob.data.byteLength),
          'x-repo-commit': commit.sha,
          etag: `W/"redirect-${blob.oid.slice(0, 8)}"`,
        },
        '',
      )
      return
    }
    serveRange(req, res, record, blob.data, `"${blob.oid}"`, { 'x-repo-commit': commit.sha })
  }

  #cdnAnswer(req: IncomingMessage, res: ServerResponse, record: RequestRecord): void {
    const url = new URL(req.url ?? '/', this.cdnUrl)
    const match = /^\/blobs\/([0-9a-f]{64})$/.exec(url.pathname)
    const blob = match ? this.#blobs.get(match[1] as string) : undefined
    if (!blob) send(res, record, 404, {}, 'NoSuchKey')
    else if (Number(url.searchParams.get('gen')) !== this.#linkGeneration)
      send(res, record, 403, { 'content-type': 'application/xml' }, '<Error>Request has expired</Error>')
    else serveRange(req, res, record, blob.data, `"cdn-${blob.sha256.slice(0, 16)}"`, {})
  }

  /** The repository, or an answer refusing access (and `undefined`). */
  #repo(
    req: IncomingMessage,
    res: ServerResponse,
    record: RequestRecord,
    id: string,
    file: boolean,
  ): Repo | undefined {
    const repo = this.#repos.get(id)
    if (!repo) {
      json(res, record, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' })
      return undefined
    }
    const needsToken = repo.access === 'private' || (repo.access === 'gated' && file)
    if (!needsToken) return repo
    const auth = req.headers.authorization
    if (auth === `Bearer ${repo.token}`) return repo
    if (auth === undefined || repo.access === 'private') {
      json(res, record, 401, { error: 'Invalid username or password.' }, { 'x-error-code': 'RepoNotFound' })
    } else {
      json(
        res,
        record,
        403,
        { error: 'Access to this dataset is restricted.' },
        { 'x-error-code': 'GatedRepo' },
      )
    }
    return undefined
  }

  #commit(res: ServerResponse, record: RequestRecord, repo: Repo, rev: string): Commit | undefined {
    const sha = repo.commits.has(rev) ? rev : repo.branches.get(rev)
    const commit = sha === undefined ? undefined : repo.commits.get(sha)
    if (!commit) {
      json(res, record, 404, { error: `Invalid rev id: ${rev}` }, { 'x-error-code': 'RevisionNotFound' })
      return undefined
    }
    return commit
  }
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  )
}

function send(
  res: ServerResponse,
  record: RequestRecord,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  record.status = status
  res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers })
  res.end(body)
}

function json(
  res: ServerResponse,
  record: RequestRecord,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(
    res,
    record,
    status,
    { 'content-type': 'application/json; charset=utf-8', ...headers },
    JSON.stringify(body),
  )
}

/** A file's bytes with `Range` support: 206 + `Content-Range` for a range, 200 for the whole. */
function serveRange(
  req: IncomingMessage,
  res: ServerResponse,
  record: RequestRecord,
  data: Uint8Array,
  etag: string,
  headers: Record<string, string>,
): void {
  const size = data.byteLength
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '')
  if (!range) {
    record.status = 200
    record.bytes = size
    res.writeHead(200, { 'content-length': size, etag, 'accept-ranges': 'bytes', ...headers })
    res.end(data)
    return
  }
  const [, a, b] = range as unknown as [string, string, string]
  let start: number
  let end: number
  if (a === '') {
    start = Math.max(0, size - Number(b))
    end = size - 1
  } else {
    start = Number(a)
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  }
  if (start >= size || start > end) {
    record.status = 416
    res.writeHead(416, { 'content-range': `bytes */${size}`, etag, ...headers })
    res.end()
    return
  }
  const body = data.subarray(start, end + 1)
  record.status = 206
  record.bytes = body.byteLength
  res.writeHead(206, {
    'content-range': `bytes ${start}-${end}/${size}`,
    'content-length': body.byteLength,
    etag,
    'accept-ranges': 'bytes',
    ...headers,
  })
  res.end(body)
}
