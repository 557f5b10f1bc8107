import { gzipSync } from 'node:zlib'
import { AbortError } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { fixtures, openFds, rejection } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

const records = Array.from({ length: 20_000 }, (_, i) => ({ id: i, text: `row ${i}` }))
const ndjson = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`
const sources = {
  ndjson: files.write('r.ndjson', ndjson),
  gzip: files.write('r.ndjson.gz', gzipSync(ndjson)),
  array: files.write('r.json', JSON.stringify({ data: records })),
}
const optionsFor = (name: string) => ({
  batchSize: 1000,
  chunkBytes: 4096,
  cacheEnabled: false,
  ...(name === 'array' ? { path: 'data' } : {}),
})

describe('file handles', () => {
  for (const [name, file] of Object.entries(sources)) {
    it(`${name}: an early break closes the file`, async () => {
      const before = openFds()
      let seen = 0
      for await (const batch of loadJson(file, optionsFor(name))) {
        seen += batch.numRows
        expect(openFds()).toBeGreaterThan(before)
        if (seen >= 2000) break
      }
      expect(seen).toBe(2000)
      expect(openFds()).toBe(before)
    })

    it(`${name}: an AbortSignal stops the pass with an AbortError and closes the file`, async () => {
      const before = openFds()
      const controller = new AbortController()
      const ds = loadJson(file, { ...optionsFor(name), signal: controller.signal })
      let seen = 0
      const err = await rejection(
        (async () => {
          for await (const batch of ds) {
            seen += batch.numRows
            if (seen === 3000) controller.abort()
          }
        })(),
      )
      expect(err).toBeInstanceOf(AbortError)
      expect(seen).toBeLessThan(records.length)
      expect(openFds()).toBe(before)
    })
  }

  it('an error in the middle of the file closes it', async () => {
    const file = files.write(
      'bad-middle.ndjson',
      `${ndjson.slice(0, 50_000)}\n{oops}\n${ndjson.slice(50_000)}`,
    )
    const before = openFds()
    const err = await rejection(loadJson(file, { batchSize: 100, chunkBytes: 4096 }).toArray())
    expect(err.code).toBe('JSON_MALFORMED')
    expect(openFds()).toBe(before)
  })

  it('a signal aborted before the pass starts opens nothing', async () => {
    const before = openFds()
    const err = await rejection(loadJson(sources.ndjson, { signal: AbortSignal.abort() }).toArray())
    expect(err).toBeInstanceOf(AbortError)
    expect(openFds()).toBe(before)
  })
})
