/**
 * Decoding in worker threads gives the batches decoding in this thread gives (files, URLs, a
 * caller's range reader; filters, projection, Hive partitions), fails with the same typed errors,
 * and leaves no worker running after an error, an early break or an abort.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AbortError, FormatError, type RangeReader, type RecordBatch, WorkerPool } from '@sd/core'
import { rowsDifference } from '@sd/core/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, fileServer, lit, query, tempDir } from './test-support/fixtures.js'
import { closeParquetWorkers } from './workers.js'

let dir: string
let cleanup: () => Promise<void>
const file = (name: string) => join(dir, name)
const ROWS = 30_000

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  const columns = `i::BIGINT AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.5 END AS d,
    CASE WHEN i % 11 = 0 THEN NULL ELSE 'k' || (i % 23) END AS s, 'u' || i AS u, (i % 3 = 0) AS b,
    CASE WHEN i % 13 = 0 THEN NULL ELSE [i % 5, i % 7] END AS l`
  await exec(
    `COPY (SELECT ${columns} FROM range(${ROWS}) t(i)) TO ${lit(file('a.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 4096, COMPRESSION zstd)`,
  )
  await mkdir(file('hive/year=2020'), { recursive: true })
  await mkdir(file('hive/year=2021'), { recursive: true })
  for (const year of [2020, 2021]) {
    await exec(
      `COPY (SELECT ${columns} FROM range(${year === 2020 ? 0 : 20_000}, ${year === 2020 ? 20_000 : 30_000}) t(i))
        TO ${lit(file(`hive/year=${year}/part.parquet`))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
    )
  }
  // a copy with row group 3's first data page broken
  const bytes = new Uint8Array(await readFile(file('a.parquet')))
  const [meta] = await query(
    `SELECT data_page_offset AS o, total_compressed_size AS n FROM parquet_metadata(${lit(file('a.parquet'))}) WHERE row_group_id = 3 AND path_in_schema = 'd'`,
  )
  const start = Number(meta?.o)
  bytes.fill(0xff, start + 30, start + 60)
  await writeFile(file('broken.parquet'), bytes)
})
afterAll(() => cleanup())
// warm threads a test left close before the next, which counts threads from zero
afterEach(() => closeParquetWorkers())

async function batches(
  source: Parameters<typeof loadParquet>[0],
  options: Parameters<typeof loadParquet>[1],
) {
  const out: RecordBatch[] = []
  for await (const batch of loadParquet(source, { cacheEnabled: false, ...options })) out.push(batch)
  return out
}

async function same(
  source: Parameters<typeof loadParquet>[0],
  options: Parameters<typeof loadParquet>[1] = {},
) {
  const here = await batches(source, { ...options, workers: 0 })
  const threads = await batches(source, { ...options, workers: 2 })
  expect(threads.map((b) => b.numRows)).toEqual(here.map((b) => b.numRows))
  expect(threads.length).toBeGreaterThan(1)
  for (const [i, batch] of threads.entries()) {
    const other = here[i] as RecordBatch
    expect(batch.schema).toEqual(other.schema)
    expect(rowsDifference([batch], [other])).toBeUndefined()
    for (const name of batch.columnNames) {
      expect([name, batch.data(name).kind]).toEqual([name, other.data(name).kind])
      expect([name, batch.data(name).nullCount]).toEqual([name, other.data(name).nullCount])
    }
  }
  // a pass that ran to its end leaves the threads warm for the next (starting threads that load
  // the sources costs a second each: the passes of a test share them)
  expect(WorkerPool.liveThreads).toBeLessThanOrEqual(2)
  return threads
}

describe('workers', () => {
  it('decode a file into the same batches as this thread, at several batch sizes', async () => {
    for (const batchSize of [1000, 4096, 10_000]) {
      const out = await same(file('a.parquet'), { batchSize })
      expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(ROWS)
    }
    expect(WorkerPool.liveThreads).toBe(2)
    await closeParquetWorkers()
    expect(WorkerPool.liveThreads).toBe(0)
  })

  it('with filters, projection and Hive partitions', async () => {
    await same(file('a.parquet'), {
      columns: ['s', 'id'],
      filters: { d: { $gt: 1000 }, b: true },
      batchSize: 3000,
    })
    const out = await same(file('hive'), {
      filters: { year: 2021, s: { $in: ['k1', 'k2'] } },
      batchSize: 500,
    })
    expect(out[0]?.rows()[0]).toMatchObject({ year: 2021 })
  })

  it("read a URL themselves, and are sent the bytes of a caller's range reader", async () => {
    const server = await fileServer(dir)
    try {
      await same(server.url('a.parquet'), { batchSize: 5000 })
    } finally {
      await server.close()
    }
    const bytes = new Uint8Array(await readFile(file('a.parquet')))
    const reader: RangeReader = {
      name: 'mem://a.parquet',
      byteLength: bytes.length,
      version: '1',
      read: async (s, e) => bytes.slice(s, e),
      close: async () => {},
    }
    await same(reader, { batchSize: 5000 })
    // the reader's bytes were copied, not taken
    expect(bytes.byteLength).toBeGreaterThan(0)
  })

  it('a corrupt page decoded in a worker gives the typed error it gives in this thread', async () => {
    const errors: FormatError[] = []
    for (const workers of [0, 2]) {
      const seen: number[] = []
      const err = await (async () => {
        for await (const batch of loadParquet(file('broken.parquet'), { workers, batchSize: 4096 }))
          seen.push(batch.numRows)
      })().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(FormatError)
      errors.push(err as FormatError)
      // the batches of the row groups before it arrived first
      expect(seen).toEqual([4096, 4096, 4096])
      expect(WorkerPool.liveThreads).toBe(0)
    }
    const [here, worker] = errors as [FormatError, FormatError]
    expect(worker.code).toBe(here.code)
    expect(worker.location).toEqual(here.location)
    expect(worker.location).toMatchObject({ file: file('broken.parquet'), rowGroup: 3, column: 'd' })
    expect(worker.message).toBe(here.message)
  })

  it('threads kept warm after a whole pass close by themselves when idle', async () => {
    expect(await loadParquet(file('a.parquet'), { workers: 2 }).count()).toBe(ROWS)
    expect(await loadParquet(file('a.parquet'), { workers: 2 }).count()).toBe(ROWS)
    expect(WorkerPool.liveThreads).toBe(2)
    const t0 = Date.now()
    while (WorkerPool.liveThreads > 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50))
    expect(WorkerPool.liveThreads).toBe(0)
  })

  it('no worker is left running after a break or an abort', async () => {
    for await (const batch of loadParquet(file('a.parquet'), { workers: 2, batchSize: 1000 })) {
      expect(batch.numRows).toBe(1000)
      break
    }
    expect(WorkerPool.liveThreads).toBe(0)
    const controller = new AbortController()
    const err = await (async () => {
      let n = 0
      for await (const _ of loadParquet(file('a.parquet'), {
        workers: 2,
        batchSize: 1000,
        signal: controller.signal,
      })) {
        if (++n === 3) controller.abort()
      }
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AbortError)
    expect(WorkerPool.liveThreads).toBe(0)
  })

  it('refuses a bad workers option', () => {
    expect(() => loadParquet(file('a.parquet'), { workers: -1 })).toThrow(/workers must be/)
    expect(() => loadParquet(file('a.parquet'), { workers: 1.5 })).toThrow(/workers must be/)
  })
})
