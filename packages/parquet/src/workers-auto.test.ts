/**
 * `workers: 'auto'` never waits for threads: while they start, this thread decodes row group after
 * row group, and the threads take the rest once they have loaded. Either way the batches are the
 * ones decoding in this thread gives, and the stats say where each row group was decoded.
 */
import { join } from 'node:path'
import { RecordBatch, WorkerPool } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, lit, tempDir } from './test-support/fixtures.js'
import { closeParquetWorkers } from './workers.js'

let dir: string
let cleanup: () => Promise<void>
let path: string
const ROWS = 1_400_000
const GROUP = 100_000

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  path = join(dir, 'big.parquet')
  // random doubles hardly compress: more than the 8 MiB after the first row group that 'auto' needs
  await exec(
    `COPY (SELECT i::BIGINT AS id, random() AS x, CASE WHEN i % 9 = 0 THEN NULL ELSE 'v' || (i % 50) END AS s
      FROM range(${ROWS}) t(i)) TO ${lit(path)} (FORMAT parquet, ROW_GROUP_SIZE ${GROUP})`,
  )
}, 60_000)
afterAll(async () => {
  await closeParquetWorkers()
  await cleanup()
})

async function read(
  workers: 'auto' | 0,
): Promise<{ batch: RecordBatch; loader: ReturnType<typeof loadParquet> }> {
  const loader = loadParquet(path, { workers, batchSize: 65_536, cacheEnabled: false })
  const batches: RecordBatch[] = []
  for await (const b of loader) batches.push(b)
  return { batch: RecordBatch.concat(batches), loader }
}

/** Bytes of a typed array. */
const bytesOf = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)

function expectSame(a: RecordBatch, b: RecordBatch): void {
  expect(a.numRows).toBe(ROWS)
  expect(b.numRows).toBe(ROWS)
  for (const name of ['id', 'x']) {
    const [x, y] = [a.column(name), b.column(name)] as ArrayBufferView[]
    expect(bytesOf(y as ArrayBufferView).equals(bytesOf(x as ArrayBufferView))).toBe(true)
  }
  // strings and their nulls, as JS values
  const [s, t] = [a.column('s'), b.column('s')] as unknown as (string | null)[][]
  expect((t as (string | null)[]).join('|')).toBe((s as (string | null)[]).join('|'))
  expect((t as (string | null)[]).filter((v) => v === null).length).toBe(Math.ceil(ROWS / 9))
}

describe("workers: 'auto'", () => {
  it('decodes here while the threads start, then hands them the rest; the batches are the same', async () => {
    const { batch: here } = await read(0)
    await closeParquetWorkers()
    expect(WorkerPool.liveThreads).toBe(0)
    const cold = await read('auto')
    expectSame(here, cold.batch)
    const coldStats = cold.loader.getStats().parquet
    expect(coldStats.rowGroupsRead).toBe(ROWS / GROUP)
    // the first row group is always decoded here; how many more depends on how fast threads start
    expect(coldStats.rowGroupsInWorkers).toBeLessThan(ROWS / GROUP)
    // the threads keep starting after the pass, and stay warm for the next ones: once they have
    // loaded, they take every row group after the first
    let inWorkers = 0
    const deadline = Date.now() + 30_000
    while (inWorkers < ROWS / GROUP - 1 && Date.now() < deadline) {
      const warm = await read('auto')
      expectSame(here, warm.batch)
      inWorkers = warm.loader.getStats().parquet.rowGroupsInWorkers
    }
    expect(inWorkers).toBe(ROWS / GROUP - 1)
    expect(WorkerPool.liveThreads).toBeGreaterThan(0)
  }, 60_000)

  it('a break while this thread decodes and the threads start leaves no thread running', async () => {
    await closeParquetWorkers()
    let n = 0
    for await (const _ of loadParquet(path, { workers: 'auto', batchSize: 10_000, cacheEnabled: false })) {
      if (++n === 12) break
    }
    expect(n).toBe(12)
    const deadline = Date.now() + 10_000
    while (WorkerPool.liveThreads > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    expect(WorkerPool.liveThreads).toBe(0)
  }, 30_000)
})
