import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { compileFilter, type Filter, type RecordBatch } from '@sd/core'
import { tableFromArrays, tableToIPC } from 'apache-arrow'
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet'
import { fileWriter, ParquetWriter } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import type { ParquetFilter } from './options.js'
import { tempDir } from './test-support/fixtures.js'
import { closeParquetWorkers } from './workers.js'

let dir: string
let cleanup: () => Promise<void>
let indexed: string
let plain: string
const ROWS = 60_000
const GROUP = 25_000

/**
 * The same rows written by hyparquet-writer twice: with ColumnIndex and OffsetIndex on every
 * column (small pages), and without a ColumnIndex (statistics of row groups only).
 */
async function write(path: string, columnIndex: boolean): Promise<void> {
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: [
      { name: 'root', num_children: 4 },
      { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'score', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      { name: 'tag', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'maybe', type: 'INT32', repetition_type: 'OPTIONAL' },
    ],
  })
  for (let start = 0; start < ROWS; start += GROUP) {
    const n = Math.min(GROUP, ROWS - start)
    const id = Int32Array.from({ length: n }, (_, k) => start + k)
    await writer.write({
      columnData: [
        { name: 'id', data: id, columnIndex, offsetIndex: true },
        // blocks of 1,000 rows share a score: pages of score hold a narrow range
        {
          name: 'score',
          data: Float64Array.from(id, (i) => Math.floor(i / 1000) * 1.5),
          columnIndex,
          offsetIndex: true,
        },
        { name: 'tag', data: Array.from(id, (i) => `tag-${i % 13}`), columnIndex, offsetIndex: true },
        {
          name: 'maybe',
          data: Array.from(id, (i) => (i >= 30_000 && i < 31_000 ? null : i % 97)),
          columnIndex,
          offsetIndex: true,
        },
      ],
      rowGroupSize: n,
      pageSize: 4096,
    })
  }
  await writer.finish()
}

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  indexed = join(dir, 'indexed.parquet')
  plain = join(dir, 'plain.parquet')
  await write(indexed, true)
  await write(plain, false)
})
afterAll(async () => {
  await closeParquetWorkers()
  await cleanup()
})

async function rowsOf(batches: AsyncIterable<RecordBatch>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = []
  for await (const b of batches) for (const r of b.rows()) out.push({ ...r })
  return out
}

/** Every row of the file read without a filter, then filtered by core's compiled filter. */
async function oracle(filter: ParquetFilter): Promise<Record<string, unknown>[]> {
  const all = await rowsOf(loadParquet(plain, { cacheEnabled: false, workers: 0 }))
  const compiled = compileFilter(filter as Filter, { strict: true })
  const mask = compiled.mask((name) => all.map((r) => r[name]), all.length)
  return all.filter((_, i) => mask[i] === 1)
}

async function read(path: string, filter: ParquetFilter, workers: number | 'auto' = 0, batchSize = 1000) {
  const loader = await ParquetStreamingLoader.open(path, {
    filters: filter,
    cacheEnabled: false,
    workers,
    batchSize,
  })
  const rows = await rowsOf(loader.toDataset())
  return { rows, stats: loader.getStats().parquet }
}

describe('page index', () => {
  it('the writer used here writes ColumnIndex and OffsetIndex', async () => {
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(indexed))
    const chunk = meta.row_groups[0]?.columns[0]
    expect(chunk?.column_index_offset).toBeDefined()
    expect(chunk?.offset_index_offset).toBeDefined()
    const other = await parquetMetadataAsync(await asyncBufferFromFile(plain))
    expect(other.row_groups[0]?.columns[0]?.column_index_offset).toBeUndefined()
  })

  const cases: [string, ParquetFilter][] = [
    ['a narrow range of a sorted column', { id: { $gte: 12_345, $lt: 12_400 } }],
    ['a range spanning two row groups', { id: { $gte: 24_000, $lt: 26_500 } }],
    [
      'two ranges through $or on two columns',
      { $or: [{ id: { $lt: 700 } }, { score: { $gte: 55.5, $lt: 57 } }] },
    ],
    ['$in of scattered values', { id: { $in: [5, 40_000, 59_999] } }],
    ['a filter mixing a pruned and an unpruned column', { score: { $lte: 3 }, tag: 'tag-4' }],
    ['nulls of an optional column', { maybe: null }],
  ]
  for (const [what, filter] of cases) {
    it(`skips pages for ${what}, with the rows of an unpruned read`, async () => {
      const expected = await oracle(filter)
      const pruned = await read(indexed, filter)
      const unpruned = await read(plain, filter)
      expect(pruned.rows).toEqual(expected)
      expect(unpruned.rows).toEqual(expected)
      expect(unpruned.stats.pagesSkipped).toBe(0)
      expect(pruned.stats.pagesSkipped).toBeGreaterThan(0)
      // the bytes read prove the pages were never read
      expect(pruned.stats.bytesRead).toBeLessThan(unpruned.stats.bytesRead / 2)
      expect(pruned.stats.rowsDecoded).toBeLessThan(unpruned.stats.rowsDecoded)
    })
  }

  it('uses the page index parquet-wasm (arrow-rs) writes', async () => {
    const wasm = createRequire(import.meta.url)('parquet-wasm/node') as typeof import('parquet-wasm/node')
    const n = 300_000
    const table = tableFromArrays({
      id: Int32Array.from({ length: n }, (_, i) => i),
      half: Float64Array.from({ length: n }, (_, i) => i / 2),
    })
    const path = join(dir, 'wasm.parquet')
    writeFileSync(path, wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(table, 'stream'))))
    const filter: ParquetFilter = { id: { $gte: 123_456, $lt: 123_466 } }
    const { rows, stats } = await read(path, filter)
    expect(rows).toEqual(Array.from({ length: 10 }, (_, k) => ({ id: 123_456 + k, half: (123_456 + k) / 2 })))
    expect(stats.pagesSkipped).toBeGreaterThan(10)
    expect(stats.rowsDecoded).toBeLessThan(n / 5)
  })

  it('prunes pages in worker threads too, rows in order', async () => {
    const filter: ParquetFilter = {
      $or: [{ id: { $gte: 24_000, $lt: 26_500 } }, { id: { $gte: 51_000, $lt: 51_010 } }],
    }
    const expected = await oracle(filter)
    const here = await read(indexed, filter, 0, 777)
    const threads = await read(indexed, filter, 2, 777)
    expect(threads.rows).toEqual(expected)
    expect(here.rows).toEqual(expected)
    expect(threads.stats.pagesSkipped).toBe(here.stats.pagesSkipped)
    expect(threads.stats.rowGroupsRead).toBe(here.stats.rowGroupsRead)
    expect(threads.stats.bytesRead).toBeLessThan((await read(plain, filter, 2, 777)).stats.bytesRead / 2)
  })

  it('skips a row group whose statistics allow a match but whose pages do not', async () => {
    // row group 1 (ids 25,000-49,999, scores 37.5-73.5) passes on its statistics, but the pages
    // holding ids 26,000 and 48,000 score 39 and 72
    const filter: ParquetFilter = { id: { $in: [26_000, 48_000] }, score: { $gte: 60, $lt: 61 } }
    const pruned = await read(indexed, filter)
    expect(pruned.rows).toEqual([])
    expect(pruned.stats.rowGroupsSkipped).toBe(3)
    expect(pruned.stats.rowsDecoded).toBe(0)
  })

  it('a garbled page index is a typed error naming the file, row group and column', async () => {
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(indexed))
    const chunk = meta.row_groups[1]?.columns[0]
    const bytes = readFileSync(indexed)
    const at = Number(chunk?.offset_index_offset)
    bytes.fill(0x15, at, at + Number(chunk?.offset_index_length))
    const bad = join(dir, 'bad-index.parquet')
    writeFileSync(bad, bytes)
    const err = await read(bad, { id: { $gte: 30_000, $lt: 30_100 } }).catch((e: unknown) => e)
    expect(err).toMatchObject({
      code: 'PARQUET_BAD_PAGE_INDEX',
      location: { file: bad, rowGroup: 1, column: 'id' },
    })
  })
})
