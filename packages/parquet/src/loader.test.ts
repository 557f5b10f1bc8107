import { join } from 'node:path'
import { AbortError, StateError, StreamingCache } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import { openFds, rowsOf, tempDir, writeHyparquet } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
const file = (name: string) => join(dir, name)

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await writeHyparquet(file('1k.parquet'), 1000, [300])
  // the same 25,000 rows in several row-group layouts
  for (const [name, groups] of Object.entries({
    one: [25_000],
    small: [1000],
    odd: [7001],
    exact: [10_000],
    mixed: [1, 9_999, 12_000, 3_000],
  })) {
    await writeHyparquet(file(`25k-${name}.parquet`), 25_000, groups)
  }
})
afterAll(() => cleanup())

async function batchSizes(path: string, batchSize: number, extra = {}) {
  const sizes: number[] = []
  for await (const batch of loadParquet(path, { batchSize, ...extra })) sizes.push(batch.numRows)
  return sizes
}

describe('batches', () => {
  it('gives 10 batches of 100 for 1,000 rows at batchSize 100', async () => {
    expect(await batchSizes(file('1k.parquet'), 100)).toEqual(Array(10).fill(100))
  })

  it.each(['one', 'small', 'odd', 'exact', 'mixed'])(
    'cuts 25,000 rows into 10000, 10000, 5000 whatever the row groups (%s)',
    async (layout) => {
      const path = file(`25k-${layout}.parquet`)
      expect(await batchSizes(path, 10_000)).toEqual([10_000, 10_000, 5_000])
      expect(await batchSizes(path, 10_000, { prefetchBatches: 0 })).toEqual([10_000, 10_000, 5_000])
      // and the rows are the generator's, in order
      const all = await loadParquet(path, { batchSize: 10_000 }).collect()
      expect(all.column('id')).toEqual(rowsOf(0, 25_000).id)
      expect(all.column('value')).toEqual(rowsOf(0, 25_000).value)
    },
  )

  it('gives typed columns: Int32Array, Float64Array, strings, bool as Uint8Array', async () => {
    const batch = await loadParquet(file('1k.parquet'), { batchSize: 10 }).take(10).collect()
    expect(batch.column('id')).toBeInstanceOf(Int32Array)
    expect(batch.column('value')).toBeInstanceOf(Float64Array)
    expect(batch.column('label')).toEqual(rowsOf(0, 10).label)
    expect(batch.column('flag')).toEqual(Uint8Array.from(rowsOf(0, 10).flag, Number))
    expect(batch.rows()[3]).toEqual({ id: 3, value: 1.5, label: 'label-3', flag: true })
  })

  it("projects columns: columns: ['value'] gives only value", async () => {
    const batch = await loadParquet(file('1k.parquet'), { columns: ['value'] }).collect()
    expect(batch.columnNames).toEqual(['value'])
    expect(batch.column('value')).toEqual(rowsOf(0, 1000).value)
  })

  it('keeps the order columns asks for', async () => {
    const schema = await loadParquet(file('1k.parquet'), { columns: ['label', 'id'] }).schema()
    expect(schema?.map((f) => f.name)).toEqual(['label', 'id'])
  })

  it("makes row objects with rowFormat: 'object'", async () => {
    const rows = await loadParquet(file('1k.parquet'), { rowFormat: 'object', batchSize: 250 }).toArray()
    const c = rowsOf(0, 1000)
    expect(rows).toHaveLength(1000)
    expect(rows[999]).toEqual({ id: 999, value: 499.5, label: c.label[999], flag: c.flag[999] })
  })
})

describe('footer', () => {
  it('answers length, schema and metadata from the footer after open()', async () => {
    const loader = new ParquetStreamingLoader(file('25k-small.parquet'))
    expect(() => loader.length).toThrow(StateError)
    await loader.open()
    expect(loader.length).toBe(25_000)
    const meta = await loader.getMetadata()
    expect(meta).toMatchObject({
      path: file('25k-small.parquet'),
      isDirectory: false,
      numRows: 25_000,
      numRowGroups: 25,
      createdBy: 'hyparquet',
    })
    expect(meta.fileSizeBytes).toBeGreaterThan(1000)
    expect(meta.schema).toEqual([
      { name: 'id', type: 'int32', nullable: false },
      { name: 'value', type: 'float64', nullable: false },
      { name: 'label', type: 'string', nullable: false },
      { name: 'flag', type: 'bool', nullable: false },
    ])
    // no data page was read for any of this
    expect(loader.getStats().parquet.rowGroupsRead).toBe(0)
  })
})

describe('resources', () => {
  it('closes the file when the consumer breaks after the first batch', async () => {
    const before = await openFds()
    const ds = loadParquet(file('25k-small.parquet'), { batchSize: 1000, prefetchBatches: 4 })
    for await (const batch of ds) {
      expect(batch.numRows).toBe(1000)
      expect(await openFds()).toBeGreaterThan(before)
      break
    }
    expect(await openFds()).toBe(before)
  })

  it('closes the file when aborted', async () => {
    const before = await openFds()
    const controller = new AbortController()
    const ds = loadParquet(file('25k-small.parquet'), { batchSize: 1000, signal: controller.signal })
    const seen: number[] = []
    const run = (async () => {
      for await (const batch of ds) {
        seen.push(batch.numRows)
        controller.abort()
      }
    })()
    await expect(run).rejects.toBeInstanceOf(AbortError)
    expect(seen).toHaveLength(1)
    expect(await openFds()).toBe(before)
  })

  it('keeps footers in a shared cache: a second loader reads no footer bytes', async () => {
    const cache = new StreamingCache({ maxSizeMb: 8 })
    const first = await ParquetStreamingLoader.open(file('25k-odd.parquet'), { cache })
    expect(first.getStats().parquet.bytesRead).toBeGreaterThan(0)
    const second = await ParquetStreamingLoader.open(file('25k-odd.parquet'), { cache })
    expect(second.getStats().parquet.bytesRead).toBe(0)
    expect(cache.getStats().hits).toBeGreaterThan(0)
    expect(second.length).toBe(25_000)
  })

  it('caches decoded batches for repeat passes (opened or not), and says so in the stats', async () => {
    const loader = new ParquetStreamingLoader(file('25k-small.parquet'), { batchSize: 5000 })
    const first = await loader.toDataset().collect()
    const read = loader.getStats().parquet.bytesRead
    const second = await loader.toDataset().collect()
    expect(second.column('id')).toEqual(first.column('id'))
    expect(loader.getStats().cache?.hits).toBe(5)
    expect(loader.getStats().parquet.bytesRead).toBe(read)
  })
})

describe('chunkBytes', () => {
  it('gives the same rows with any read size, and refuses a tiny one', async () => {
    const path = file('25k-one.parquet')
    const small = await loadParquet(path, { chunkBytes: 4096 }).collect()
    expect(small.column('id')).toEqual(rowsOf(0, 25_000).id)
    expect(() => loadParquet(path, { chunkBytes: 100 })).toThrow(/chunkBytes must be/)
  })
})
