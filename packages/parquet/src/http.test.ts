import { join } from 'node:path'
import { NotFoundError, StreamingCache } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import { fileServer, tempDir, writeHyparquet } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
let server: Awaited<ReturnType<typeof fileServer>>

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await writeHyparquet(join(dir, 'data.parquet'), 20_000, [2000])
  server = await fileServer(dir)
})
afterAll(async () => {
  await server.close()
  await cleanup()
})

describe('URL sources', () => {
  it('gives the same rows over HTTP range requests as from the file', async () => {
    const fromFile = await loadParquet(join(dir, 'data.parquet'), { batchSize: 3000 }).collect()
    const before = server.requests()
    const fromUrl = await loadParquet(server.url('data.parquet'), { batchSize: 3000 }).collect()
    expect(fromUrl.numRows).toBe(20_000)
    for (const name of fromFile.columnNames) expect(fromUrl.column(name)).toEqual(fromFile.column(name))
    // a probe, a footer read and one read per row group: ranges, not the whole file
    expect(server.requests() - before).toBeLessThanOrEqual(12)
  })

  it('reads through the cache: a second loader sharing it fetches nothing again', async () => {
    const cache = new StreamingCache({ maxSizeMb: 64 })
    const first = new ParquetStreamingLoader(server.url('data.parquet'), { cache, columns: ['id', 'value'] })
    const a = await first.toDataset().collect()
    const requests = server.requests()
    // another batch size: the first pass's decoded batches do not fit, its byte ranges do
    const second = new ParquetStreamingLoader(server.url('data.parquet'), {
      cache,
      columns: ['id', 'value'],
      batchSize: 5000,
    })
    const b = await second.toDataset().collect()
    expect(b.column('value')).toEqual(a.column('value'))
    // only the size probe goes out again; footer and row groups come from the range cache
    expect(server.requests() - requests).toBe(1)
    expect(second.getStats().cache?.hits).toBeGreaterThanOrEqual(11)
  })

  it('skips row groups remotely too', async () => {
    const loader = new ParquetStreamingLoader(server.url('data.parquet'), { filters: { id: { $lt: 100 } } })
    const before = server.requests()
    expect(await loader.toDataset().count()).toBe(100)
    expect(loader.getStats().parquet.rowGroupsSkipped).toBe(9)
    expect(server.requests() - before).toBe(3)
  })

  it('names the URL of a missing object', async () => {
    const err = await loadParquet(server.url('missing.parquet'))
      .count()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect((err as Error).message).toContain(server.url('missing.parquet'))
  })
})
