import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ValidationError } from '@sd/core'
import { type ParquetQueryFilter, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { parquetWriteFile } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import type { ParquetFilter } from './options.js'
import { lit, query, rowsOf, tempDir, writeHyparquet } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
let path: string
let nullable: string

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  path = join(dir, 'groups.parquet')
  await writeHyparquet(path, 20_000, [1000])
  nullable = join(dir, 'nullable.parquet')
  const n = 3000
  parquetWriteFile({
    filename: nullable,
    rowGroupSize: 500,
    columnData: [
      { name: 'id', data: Int32Array.from({ length: n }, (_, i) => i), type: 'INT32', nullable: false },
      {
        name: 'maybe',
        data: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : i % 50)),
        type: 'INT32',
      },
      {
        name: 'big',
        data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3n),
        type: 'INT64',
        nullable: false,
      },
      {
        name: 'tag',
        data: Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : `t${i % 6}`)),
        type: 'STRING',
      },
    ],
  })
})
afterAll(() => cleanup())

/** What hyparquet itself returns for a filter: the oracle our row filtering must equal. */
async function hyparquetRows(file: string, filter: ParquetFilter) {
  const bytes = readFileSync(file)
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  return parquetReadObjects({ file: buffer, filter: filter as ParquetQueryFilter, compressors, utf8: false })
}

describe('filters', () => {
  it('skips row groups by statistics, reads fewer bytes, and says so', async () => {
    const all = await ParquetStreamingLoader.open(path, { cacheEnabled: false })
    const everything = await all.toDataset().collect()
    const filtered = await ParquetStreamingLoader.open(path, {
      filters: { id: { $gte: 5500, $lt: 7500 } },
      cacheEnabled: false,
    })
    const batch = await filtered.toDataset().collect()
    const stats = filtered.getStats().parquet
    expect(stats.rowGroupsSkipped).toBe(17)
    expect(stats.rowGroupsRead).toBe(3)
    expect(stats.bytesSkipped).toBeGreaterThan(0)
    // bytes read by the pass (batch stats), and by the loader including its footer read
    const passBytes = (l: ParquetStreamingLoader) => l.getStats().throughput?.totalBytes ?? Number.NaN
    expect(passBytes(filtered)).toBeLessThan(passBytes(all) / 4)
    expect(stats.bytesRead).toBeLessThan(all.getStats().parquet.bytesRead)
    // the same rows as filtering after reading
    const ids = everything.column('id') as Int32Array
    const mask = Uint8Array.from(ids, (id) => Number(id >= 5500 && id < 7500))
    expect(batch.column('id')).toEqual(everything.filter(mask).column('id'))
    expect(batch.numRows).toBe(2000)
    expect(stats.rowsFiltered).toBe(1000)
  })

  it("is core's filter language: refused at construction when malformed, pruning through $or and $in", async () => {
    expect(() => loadParquet(path, { filters: { id: { $gtx: 1 } } as unknown as ParquetFilter })).toThrow(
      expect.objectContaining({ code: 'INVALID_FILTER' }),
    )
    const or = await ParquetStreamingLoader.open(path, {
      cacheEnabled: false,
      filters: { $or: [{ id: { $lt: 10 } }, { id: { $gt: 19_990 } }] },
    })
    expect(await or.toDataset().count()).toBe(19)
    expect(or.getStats().parquet.rowGroupsSkipped).toBe(18)
    const inList = await ParquetStreamingLoader.open(path, {
      cacheEnabled: false,
      filters: { id: { $in: [5, 7_500] } },
    })
    expect(await inList.toDataset().count()).toBe(2)
    expect(inList.getStats().parquet.rowGroupsSkipped).toBe(18)
  })

  it('prunes on implicit equality too', async () => {
    const loader = await ParquetStreamingLoader.open(path, { filters: { id: 12_345 } })
    expect(await loader.toDataset().toArray()).toEqual([
      { id: 12_345, value: 6172.5, label: rowsOf(12_345, 1).label[0], flag: rowsOf(12_345, 1).flag[0] },
    ])
    expect(loader.getStats().parquet.rowGroupsSkipped).toBe(19)
  })

  it('gives batches of batchSize rows after filtering', async () => {
    const sizes: number[] = []
    for await (const b of loadParquet(path, { filters: { flag: true }, batchSize: 1000 }))
      sizes.push(b.numRows)
    const total = Math.ceil(20_000 / 3)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(total)
    expect(sizes.slice(0, -1).every((s) => s === 1000)).toBe(true)
  })

  it.each<[string, ParquetFilter]>([
    ['implicit equality on strings', { label: 'label-3' }],
    ['$in and a range', { $and: [{ label: { $in: ['label-1', 'label-2'] } }, { value: { $lte: 3000 } }] }],
    ['$or across columns', { $or: [{ id: { $lt: 10 } }, { label: 'label-6', flag: false }] }],
    ['$nor', { $nor: [{ flag: true }, { id: { $gt: 100 } }] }],
    ['$ne and $not', { label: { $ne: 'label-0' }, id: { $not: { $gte: 500 } } }],
    ['$nin', { label: { $nin: ['label-0', 'label-1', 'label-2', 'label-3'] } }],
  ])('%s: the same rows as hyparquet filtering after reading', async (_name, filter) => {
    const expected = await hyparquetRows(path, filter)
    const actual = await loadParquet(path, { filters: filter, rowFormat: 'object', batchSize: 777 }).toArray()
    expect(actual.map((r) => ({ ...r, flag: Boolean(r.flag) }))).toEqual(expected)
    expect(actual.length).toBeGreaterThan(0)
  })

  it.each<[string, ParquetFilter]>([
    ['nulls match null', { maybe: null }],
    ['comparisons never match null', { maybe: { $gte: 45 } }],
    ['$ne keeps nulls', { tag: { $ne: 't1' } }],
    ['int64 compares with bigints', { big: { $gt: 6000n, $lt: 6100n } }],
    ['int64 equality is strict', { big: 300n }],
  ])('nullable and int64 columns, %s', async (_name, filter) => {
    const expected = await hyparquetRows(nullable, filter)
    const actual = await loadParquet(nullable, { filters: filter, rowFormat: 'object' }).toArray()
    expect(actual).toEqual(expected)
    expect(actual.length).toBeGreaterThan(0)
  })

  it('agrees with DuckDB on the row count of a filter', async () => {
    const [row] = await query(
      `SELECT count(*) AS n FROM read_parquet(${lit(path)}) WHERE value > 1234.5 AND label <> 'label-2'`,
    )
    const actual = await loadParquet(path, {
      filters: { value: { $gt: 1234.5 }, label: { $ne: 'label-2' } },
    }).count()
    expect(actual).toBe(Number(row?.n))
  })

  it('reads filter columns that are not selected, without returning them', async () => {
    const batch = await loadParquet(path, { columns: ['value'], filters: { id: { $lt: 5 } } }).collect()
    expect(batch.columnNames).toEqual(['value'])
    expect(batch.column('value')).toEqual(rowsOf(0, 5).value)
  })

  it('rejects a filter on a missing column at open, naming the file and the column', async () => {
    const loader = new ParquetStreamingLoader(path, { filters: { nope: { $gt: 1 } } })
    const err = await loader.open().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ValidationError)
    expect((err as ValidationError).code).toBe('UNKNOWN_COLUMN')
    expect((err as Error).message).toContain(path)
    expect((err as Error).message).toContain('nope')
  })
})
