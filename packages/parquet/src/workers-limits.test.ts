/**
 * Decode workers stay within the read-ahead limits (`prefetchBytes` bounds the row groups under
 * way, as it does in this thread), and a worker that dies (out of memory on a real row group)
 * ends the pass with `WORKER_CRASHED` at the file and row group, leaving no thread running.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type RangeReader, WorkerPool } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, lit, query, tempDir } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
const GROUP_ROWS = 4096
const GROUPS = 12

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await exec(
    `COPY (SELECT i::BIGINT AS id, i * 0.25 AS d, 'text ' || (i * 7919 % 100003) AS s FROM range(${GROUP_ROWS * GROUPS}) t(i))
      TO ${lit(join(dir, 'groups.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE ${GROUP_ROWS})`,
  )
})
afterAll(() => cleanup())

describe('decode workers', () => {
  /**
   * Reads the file through a caller's range reader (whose bytes are read in this thread and sent
   * to the workers) with a consumer slower than the decoding, and gives the most row groups whose
   * bytes were read ahead of the batches the consumer had received, at any read.
   */
  async function readAhead(prefetchBytes: number | undefined): Promise<number> {
    const path = join(dir, 'groups.parquet')
    const bytes = new Uint8Array(await readFile(path))
    const chunks = await query(
      `SELECT row_group_id AS g, COALESCE(dictionary_page_offset, data_page_offset) AS start FROM parquet_metadata(${lit(path)})`,
    )
    const starts = new Array<number>(GROUPS).fill(Number.POSITIVE_INFINITY)
    for (const c of chunks) {
      const g = Number(c.g)
      starts[g] = Math.min(starts[g] as number, Number(c.start))
    }
    let received = 0
    let most = 0
    const reader: RangeReader = {
      name: 'mem://groups.parquet',
      byteLength: bytes.length,
      version: '1',
      read: async (start, end) => {
        // a row group's chunks are read in one piece from its first byte
        const group = starts.indexOf(start)
        if (group >= 0) most = Math.max(most, group + 1 - received)
        return bytes.slice(start, end)
      },
      close: async () => {},
    }
    let rows = 0
    for await (const batch of loadParquet(reader, {
      workers: 2,
      batchSize: GROUP_ROWS,
      cacheEnabled: false,
      ...(prefetchBytes === undefined ? {} : { prefetchBytes }),
    })) {
      received++
      rows += batch.numRows
      await new Promise((r) => setTimeout(r, 15))
    }
    expect(rows).toBe(GROUP_ROWS * GROUPS)
    expect(received).toBe(GROUPS)
    return most
  }

  it('keep the row groups under way within prefetchBytes, one at a time when each is larger', async () => {
    // the default budget (64 MiB) holds them all: four row groups under way for two workers,
    // read as the workers start, before the second batch
    const free = await readAhead(undefined)
    expect(free).toBeGreaterThanOrEqual(4)
    // a budget smaller than a row group: the one being decoded (its batch waiting for the
    // consumer) and the next, read and waiting for room
    const bounded = await readAhead(1024)
    expect(bounded).toBeLessThanOrEqual(2)
    expect(bounded).toBeLessThan(free)
    expect(WorkerPool.liveThreads).toBeLessThanOrEqual(2)
  })

  it('a worker out of memory fails the pass with WORKER_CRASHED at its file and row group, and no thread is left', async () => {
    // row group 0 (decoded in this thread) holds only nulls; row group 1 holds lists of 20 int64
    // per row, too many JS values for a 64 MiB heap
    const rows = 200_000
    const path = join(dir, 'heavy.parquet')
    await exec(
      `COPY (SELECT i::BIGINT AS id, CASE WHEN i < ${rows} THEN NULL ELSE list_transform(range(20), x -> i * 20 + x) END AS l
          FROM range(${rows * 2}) t(i))
        TO ${lit(path)} (FORMAT parquet, ROW_GROUP_SIZE ${rows})`,
    )
    const [groups] = await query(`SELECT num_row_groups AS n FROM parquet_file_metadata(${lit(path)})`)
    expect(Number(groups?.n)).toBe(2)
    const child = fileURLToPath(new URL('./test-support/crash-child.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@sd/source',
        '--import',
        import.meta.resolve('tsx/esm'),
        '--max-old-space-size=64',
        child,
        path,
        String(rows),
      ],
      { timeout: 60_000 },
    )
    const out = JSON.parse(stdout.trim().split('\n').at(-1) as string)
    expect(out.batches).toEqual([rows])
    expect(out.code).toBe('WORKER_CRASHED')
    expect(out.name).toBe('SdError')
    expect(out.location).toEqual({ file: path, rowGroup: 1 })
    expect(out.message).toMatch(/crashed while decoding row group 1 of .*heavy\.parquet/)
    expect(out.message).toMatch(/memory/)
    expect(out.liveThreads).toBe(0)
  }, 90_000)
})
