import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { FileRangeReader } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { fixtures } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

const records = Array.from({ length: 300 }, (_, i) => ({ id: i, name: `n${i}` }))
const ndjson = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`

function pieces(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size))
  return out
}

describe('sources besides paths', () => {
  it('reads a RangeReader another package opened, and leaves it open', async () => {
    const reader = await FileRangeReader.open(files.write('a.ndjson', ndjson))
    const ds = loadJson(reader, { batchSize: 64 })
    expect(await ds.toArray()).toEqual(records)
    expect(await ds.count()).toBe(300)
    expect(reader.closed).toBe(false)
    await reader.close()
  })

  it('reads a Node stream and a web ReadableStream (gzip too), once', async () => {
    expect(await loadJson(Readable.from(pieces(Buffer.from(ndjson), 99))).toArray()).toEqual(records)
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of pieces(gzipSync(ndjson), 40)) controller.enqueue(p)
        controller.close()
      },
    })
    const ds = loadJson(web, { cacheEnabled: false })
    expect(await ds.toArray()).toEqual(records)
    await expect(ds.count()).rejects.toMatchObject({ code: 'SOURCE_CONSUMED' })
  })
})

describe('keys from data never become prototypes', () => {
  it('keeps __proto__, constructor and toString keys as own properties of rows', async () => {
    const file = files.write(
      'proto.ndjson',
      '{"__proto__":{"isAdmin":true},"constructor":1,"toString":"x","user":"eve"}\n',
    )
    const rows = await loadJson(file).toArray()
    const row = rows[0] as Record<string, unknown>
    expect(row.isAdmin).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toEqual({ isAdmin: true })
    expect(Object.hasOwn(row, 'constructor') && row.constructor).toBe(1)
    expect(Object.hasOwn(row, 'toString') && row.toString).toBe('x')
    expect(row.user).toBe('eve')
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
  })
})
