/**
 * Warm decode threads are shared by the passes of the process: a pass that breaks or is aborted
 * releases its lease and cancels its own tasks, and the other passes on the same threads go on.
 */
import { join } from 'node:path'
import { AbortError, WorkerPool } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, lit, tempDir } from './test-support/fixtures.js'
import { closeParquetWorkers } from './workers.js'

let dir: string
let cleanup: () => Promise<void>
let path: string
const ROWS = 40_000

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  path = join(dir, 'a.parquet')
  await exec(
    `COPY (SELECT i::BIGINT AS id, 'v' || (i % 101) AS s, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.5 END AS d
      FROM range(${ROWS}) t(i)) TO ${lit(path)} (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
  )
})
afterAll(async () => {
  await closeParquetWorkers()
  await cleanup()
})

/** Reads every row, counting ids, optionally pausing between batches so another pass interleaves. */
async function readAll(pause = false): Promise<number> {
  let sum = 0
  for await (const batch of loadParquet(path, { workers: 2, batchSize: 1000, cacheEnabled: false })) {
    for (const v of batch.column('id') as BigInt64Array) sum += Number(v)
    if (pause) await new Promise((r) => setTimeout(r, 1))
  }
  return sum
}

const EXPECTED = (ROWS * (ROWS - 1)) / 2

describe('warm decode threads shared by passes', () => {
  it('a pass that breaks leaves the threads to the pass beside it', async () => {
    expect(await readAll()).toBe(EXPECTED) // warm
    expect(WorkerPool.liveThreads).toBe(2)
    const other = readAll(true)
    let n = 0
    for await (const _ of loadParquet(path, { workers: 2, batchSize: 1000, cacheEnabled: false })) {
      if (++n === 5) break
    }
    expect(await other).toBe(EXPECTED)
    expect(WorkerPool.liveThreads).toBeLessThanOrEqual(2)
    await closeParquetWorkers()
    expect(WorkerPool.liveThreads).toBe(0)
  })

  it('an aborted pass fails alone with AbortError; the pass beside it reads every row', async () => {
    expect(await readAll()).toBe(EXPECTED) // warm
    const other = readAll(true)
    const controller = new AbortController()
    const err = await (async () => {
      let n = 0
      for await (const _ of loadParquet(path, {
        workers: 2,
        batchSize: 1000,
        cacheEnabled: false,
        signal: controller.signal,
      })) {
        if (++n === 5) controller.abort()
        await new Promise((r) => setTimeout(r, 1))
      }
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AbortError)
    expect(await other).toBe(EXPECTED)
    await closeParquetWorkers()
    expect(WorkerPool.liveThreads).toBe(0)
  })

  it('an aborted pass alone on warm threads terminates them', async () => {
    expect(await readAll()).toBe(EXPECTED)
    expect(WorkerPool.liveThreads).toBe(2)
    const controller = new AbortController()
    const err = await (async () => {
      let n = 0
      for await (const _ of loadParquet(path, { workers: 2, batchSize: 1000, signal: controller.signal })) {
        if (++n === 5) controller.abort()
      }
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AbortError)
    expect(WorkerPool.liveThreads).toBe(0)
  })
})
