import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A static file served on 127.0.0.1 with `Range` and `ETag`, counting the requests. */
export async function serveFile(
  path: string,
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  const bytes = readFileSync(path)
  let count = 0
  const server = createServer((req, res) => {
    count++
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    const etag = `"${bytes.length}"`
    if (!range) {
      res.writeHead(200, { 'content-length': bytes.length, etag })
      res.end(bytes)
      return
    }
    const start = Number(range[1])
    const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1
    if (start >= bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}`, etag })
      res.end()
      return
    }
    res.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${bytes.length}`,
      'content-length': end - start + 1,
      etag,
    })
    res.end(bytes.subarray(start, end + 1))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/data.car`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
