/**
 * GetObject served by the front of the test S3 server (`s3-server-process.mjs`) from the bytes
 * s3rver stored, once the front has checked the request's signature. Proxying every GET through
 * s3rver cost a Koa middleware chain, five file operations (stat, metadata, MD5, website and CORS
 * configuration) and a second HTTP hop per request: measured 4 ms of server CPU per request and
 * 6 ms per MB, as much as the client spent decoding what it read. Here an object's metadata (size,
 * ETag, Last-Modified, Content-Type, x-amz-meta-*) comes from s3rver's own store once and its file
 * stays open; ranges are streamed from it in bounded chunks, never buffered whole.
 *
 * Only plain requests take this path: GET on `/bucket/key` (path style, no query, no conditional
 * or CORS headers) with no range, `bytes=first-last` or `bytes=first-` satisfiable within the
 * object. Anything else (a missing key, an unsatisfiable or suffix range, a HEAD, a listing, a
 * PUT) goes to s3rver, which answers as before. Any request that may change objects forgets what
 * was kept.
 */
import { open } from 'node:fs/promises'

/** The largest chunk read from a file and written to a socket at once. */
const CHUNK = 1 << 20
const RANGE = /^bytes=(\d+)-(\d*)$/
/** Headers whose presence means s3rver must judge the request (conditions, CORS). */
const DELEGATED = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'origin']

/**
 * @param {{ getMetadata(bucket: string, key: string): Promise<Record<string, string | number>>,
 *   getResourcePath(bucket: string, key: string, resource: string): string }} store s3rver's store
 * @param {string} host the `Host` the front answers to (path-style requests only)
 */
export function objectReads(store, host) {
  /** @type {Map<string, Promise<{ size: number, headers: Record<string, string>, file: import('node:fs/promises').FileHandle } | undefined>>} */
  const kept = new Map()

  function object(bucket, key) {
    const id = `${bucket}/${key}`
    let found = kept.get(id)
    if (found === undefined) {
      found = describe(bucket, key)
      kept.set(id, found)
    }
    return found
  }

  async function describe(bucket, key) {
    let metadata
    try {
      metadata = await store.getMetadata(bucket, key)
    } catch {
      // no such bucket or key: s3rver says which
      return undefined
    }
    const headers = { 'accept-ranges': 'bytes', 'content-type': 'binary/octet-stream' }
    for (const [name, value] of Object.entries(metadata))
      if (name !== 'content-length') headers[name] = String(value)
    const file = await open(store.getResourcePath(bucket, key, 'object'), 'r')
    return { size: Number(metadata['content-length']), headers, file }
  }

  return {
    /**
     * Answers `req` when it is a plain GetObject of a stored object and returns true; returns
     * false, having sent nothing, when s3rver should answer.
     */
    async serve(req, res, entry) {
      if (req.method !== 'GET' || req.headers.host !== host) return false
      const url = req.url ?? '/'
      if (url.includes('?') || DELEGATED.some((h) => req.headers[h] !== undefined)) return false
      const slash = url.indexOf('/', 1)
      if (slash < 0 || slash === url.length - 1) return false
      let bucket
      let key
      try {
        bucket = decodeURIComponent(url.slice(1, slash))
        key = decodeURIComponent(url.slice(slash + 1))
      } catch {
        return false
      }
      const range = req.headers.range
      const asked = range === undefined ? undefined : RANGE.exec(range)
      if (range !== undefined && !asked) return false
      const found = await object(bucket, key)
      if (found === undefined) return false
      let first = 0
      let last = found.size - 1
      if (asked) {
        first = Number(asked[1])
        if (asked[2] !== '') last = Math.min(last, Number(asked[2]))
        // unsatisfiable: s3rver writes the InvalidRange document
        if (first > last) return false
      }
      const headers = { ...found.headers, 'content-length': String(last - first + 1) }
      if (asked) headers['content-range'] = `bytes ${first}-${last}/${found.size}`
      entry.status = asked ? 206 : 200
      res.writeHead(entry.status, headers)
      req.resume()
      // a file that went away under a read (an overwrite through the front): the answer breaks
      await send(found.file, first, last + 1, res).catch(() => res.destroy())
      return true
    },
    /** Forgets every object kept (call it before any request that may change objects). */
    forget() {
      const all = [...kept.values()]
      kept.clear()
      for (const found of all) void found.then((f) => f?.file.close()).catch(() => undefined)
    },
  }
}

/** Streams bytes [from, to) of `file` to `res`, a bounded chunk at a time, minding backpressure. */
async function send(file, from, to, res) {
  let pos = from
  while (pos < to && !res.destroyed) {
    const want = Math.min(CHUNK, to - pos)
    const buffer = Buffer.allocUnsafe(want)
    const { bytesRead } = await file.read(buffer, 0, want, pos)
    if (bytesRead === 0) break
    pos += bytesRead
    const more = res.write(bytesRead === want ? buffer : buffer.subarray(0, bytesRead))
    if (!more && pos < to) await new Promise((resolve) => drained(res, resolve))
  }
  // a file shorter than its metadata said: cut the answer short rather than pad it
  if (pos < to) res.destroy()
  else res.end()
}

function drained(res, resolve) {
  const done = () => {
    res.off('drain', done)
    res.off('close', done)
    resolve()
  }
  res.on('drain', done)
  res.on('close', done)
}
