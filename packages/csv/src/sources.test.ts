import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { FileRangeReader } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import { tempDir } from './test-support/files.js'

const tmp = tempDir()
afterAll(() => tmp.remove())

const text = `id,name\n${Array.from({ length: 500 }, (_, i) => `${i},n${i}`).join('\n')}\n`
const path = tmp.write('source.csv', text)
const expected = Array.from({ length: 500 }, (_, i) => ({ id: i, name: `n${i}` }))

function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size))
  return out
}

describe('sources besides paths', () => {
  it('reads a RangeReader another package opened, and leaves it open', async () => {
    const reader = await FileRangeReader.open(path)
    const ds = loadCsv(reader, { batchSize: 100 })
    expect(await ds.toArray()).toEqual(expected)
    // a second pass reads it again (and the layout is remembered for its version)
    expect(await ds.count()).toBe(500)
    expect(reader.closed).toBe(false)
    await reader.close()
  })

  it('reads a Node stream and a web ReadableStream (gzip too), once', async () => {
    const bytes = Buffer.from(text)
    expect(await loadCsv(Readable.from(pieces(bytes, 77))).toArray()).toEqual(expected)
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of pieces(gzipSync(bytes), 50)) controller.enqueue(p)
        controller.close()
      },
    })
    const ds = loadCsv(web, { cacheEnabled: false })
    expect(await ds.toArray()).toEqual(expected)
    await expect(ds.count()).rejects.toMatchObject({ code: 'SOURCE_CONSUMED' })
  })

  it('reads an http(s) URL through range requests', async () => {
    const body = readFileSync(path)
    const server = createServer((req, res) => {
      if (req.url !== '/data.csv') {
        res.writeHead(404)
        res.end()
        return
      }
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')
      if (!m) {
        res.writeHead(200, { 'content-length': body.length, etag: '"v1"' })
        res.end(body)
        return
      }
      const start = Number(m[1])
      const end = Math.min(Number(m[2]), body.length - 1)
      res.writeHead(206, {
        'content-range': `bytes ${start}-${end}/${body.length}`,
        'content-length': end - start + 1,
        etag: '"v1"',
      })
      res.end(body.subarray(start, end + 1))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/data.csv`
      expect(await loadCsv(url, { chunkBytes: 1000 }).toArray()).toEqual(expected)
      const error = await loadCsv(`${url.slice(0, -8)}missing.csv`)
        .toArray()
        .catch((e: unknown) => e)
      expect(error).toMatchObject({ name: 'NotFoundError' })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('keys from data never become prototypes', () => {
  it('keeps __proto__, constructor and toString headers as own properties', async () => {
    const file = tmp.write('proto.csv', '__proto__,constructor,toString,user\n"{""isAdmin"":true}",1,x,eve\n')
    const rows = await loadCsv(file).toArray()
    const row = rows[0] as Record<string, unknown>
    expect(Object.getPrototypeOf(row)).not.toHaveProperty('isAdmin')
    expect(row.isAdmin).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('{"isAdmin":true}')
    expect(Object.hasOwn(row, 'constructor') && row.constructor).toBe(1)
    expect(Object.hasOwn(row, 'toString') && row.toString).toBe('x')
    expect(row.user).toBe('eve')
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
    const only = await loadCsv(file, { columns: ['__proto__'] }).collect()
    expect(only.column('__proto__')).toEqual(['{"isAdmin":true}'])
  })
})
