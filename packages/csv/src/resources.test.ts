import { gzipSync } from 'node:zlib'
import { AbortError } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import { CsvStreamingLoader } from './loader.js'
import { openFds, tempDir } from './test-support/files.js'

const tmp = tempDir()
afterAll(() => tmp.remove())

const ROWS = 20_000
const text = `id,value\n${Array.from({ length: ROWS }, (_, i) => `${i},${i * 2}`).join('\n')}\n`
const plain = tmp.write('many.csv', text)
const gzip = tmp.write('many.csv.gz', gzipSync(text))

/** Lets file closes scheduled by stream teardown complete. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

describe.each([
  ['plain', plain],
  ['gzip', gzip],
])('file handles (%s)', (_, path) => {
  it('an early break closes the file', async () => {
    const fds = openFds()
    let seen = 0
    for await (const batch of loadCsv(path, { batchSize: 100, chunkBytes: 4096, cacheEnabled: false })) {
      expect(openFds()).toBeGreaterThan(fds)
      seen += batch.numRows
      if (seen >= 300) break
    }
    await settle()
    expect(seen).toBe(300)
    expect(openFds()).toBe(fds)
  })

  it('an AbortSignal stops the pass with an AbortError and closes the file', async () => {
    const fds = openFds()
    const controller = new AbortController()
    const ds = loadCsv(path, {
      batchSize: 100,
      chunkBytes: 4096,
      signal: controller.signal,
      cacheEnabled: false,
    })
    let seen = 0
    const error = await (async () => {
      for await (const batch of ds) {
        seen += batch.numRows
        if (seen === 500) controller.abort()
      }
    })().catch((e: unknown) => e)
    await settle()
    expect(error).toBeInstanceOf(AbortError)
    expect(seen).toBeLessThan(ROWS)
    expect(openFds()).toBe(fds)
  })

  it('an error mid-file closes the file', async () => {
    const fds = openFds()
    const bad = tmp.write('bad-late.csv', `${text}1,2,3\n`)
    await expect(loadCsv(bad, { batchSize: 1000, cacheEnabled: false }).count()).rejects.toMatchObject({
      code: 'CSV_RAGGED_ROW',
      location: { line: ROWS + 2 },
    })
    await settle()
    expect(openFds()).toBe(fds)
  })

  it('getSchema reads a little and closes the file', async () => {
    const fds = openFds()
    const loader = new CsvStreamingLoader(path, { batchSize: 100 })
    expect((await loader.getSchema())?.map((f) => f.type)).toEqual(['int32', 'int32'])
    await settle()
    expect(openFds()).toBe(fds)
  })
})

describe('bounded reading', () => {
  it('reads ahead only a few chunks of a file the consumer has not asked for', async () => {
    const loader = new CsvStreamingLoader(plain, { batchSize: 100, chunkBytes: 4096, cacheEnabled: false })
    const it = loader.iterBatches()[Symbol.asyncIterator]()
    await it.next()
    await settle()
    // one batch consumed, two read ahead: a few 4 KiB chunks, not the whole file
    expect(loader.getStats().throughput?.totalBytes).toBeLessThanOrEqual(4 * 4096)
    await it.return?.()
  })
})
