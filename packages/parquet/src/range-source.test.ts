import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FileRangeReader, FormatError, HttpRangeReader, type RangeReader } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import { exec, fileServer, lit, tempDir, writeHyparquet } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
const file = (name: string) => join(dir, name)

/** A range reader over bytes in memory, as another package might hand one over (a file inside a CAR). */
class MemoryReader implements RangeReader {
  readonly version = 'mem:1'
  reads = 0
  closed = false
  constructor(
    readonly name: string,
    readonly bytes: Uint8Array,
  ) {}
  get byteLength() {
    return this.bytes.length
  }
  async read(start: number, end: number) {
    if (this.closed) throw new Error('read after close')
    this.reads++
    return this.bytes.slice(start, Math.min(end, this.bytes.length))
  }
  async close() {
    this.closed = true
  }
}

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await writeHyparquet(file('a.parquet'), 3000, [1000])
  await exec(
    `COPY (SELECT i::BIGINT AS id, CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || (i % 13) END AS s
      FROM range(2500) t(i)) TO ${lit(file('b.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 1000)`,
  )
})
afterAll(() => cleanup())

async function both(source: Parameters<typeof loadParquet>[0], path: string) {
  const fromPath = await loadParquet(path).collect()
  const fromReader = await loadParquet(source).collect()
  expect(fromReader.schema).toEqual(fromPath.schema)
  expect(fromReader.rows()).toEqual(fromPath.rows())
  return fromReader
}

describe('RangeReader sources', () => {
  it('an in-memory reader gives the same schema and values as the path, and is never closed', async () => {
    const reader = new MemoryReader('mem://b.parquet', new Uint8Array(await readFile(file('b.parquet'))))
    const batch = await both(reader, file('b.parquet'))
    expect(batch.numRows).toBe(2500)
    expect(batch.data('s').nullCount).toBe(500)
    expect(reader.closed).toBe(false)
    expect(reader.reads).toBeGreaterThan(1)
    // a second pass reads through the same reader
    expect(await loadParquet(reader, { cacheEnabled: false }).count()).toBe(2500)
    expect(reader.closed).toBe(false)
  })

  it('core FileRangeReader and HttpRangeReader as sources, alone and in an array with paths', async () => {
    const server = await fileServer(dir)
    const local = await FileRangeReader.open(file('a.parquet'))
    const remote = await HttpRangeReader.open(server.url('b.parquet'))
    try {
      await both(local, file('a.parquet'))
      await both(remote, file('b.parquet'))
      const loader = await ParquetStreamingLoader.open([local, file('a.parquet')])
      expect(loader.length).toBe(6000)
      const meta = await loader.getMetadata()
      expect(meta.files.map((f) => f.path)).toEqual([file('a.parquet'), file('a.parquet')])
      // a and b have different columns: the array is refused with the second file named
      const err = await ParquetStreamingLoader.open([local, remote]).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(FormatError)
      expect((err as FormatError).code).toBe('PARQUET_SCHEMA_MISMATCH')
      expect((err as Error).message).toContain(server.url('b.parquet'))
    } finally {
      await local.close()
      await remote.close()
      await server.close()
    }
    expect(local.closed).toBe(true)
  })

  it('an array of readers reads them in order', async () => {
    const bytes = new Uint8Array(await readFile(file('a.parquet')))
    const readers = [new MemoryReader('one', bytes), new MemoryReader('two', bytes)]
    const ids = (await loadParquet(readers, { columns: ['id'] }).collect()).column('id') as Int32Array
    expect(ids.length).toBe(6000)
    expect(ids[2999]).toBe(2999)
    expect(ids[3000]).toBe(0)
    expect(readers.every((r) => !r.closed)).toBe(true)
  })

  it('a truncated file behind a reader fails with a FormatError naming the reader', async () => {
    const bytes = new Uint8Array(await readFile(file('a.parquet')))
    const reader = new MemoryReader('car://bafy.../a.parquet', bytes.subarray(0, bytes.length - 10))
    const err = await loadParquet(reader)
      .count()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FormatError)
    expect((err as FormatError).code).toBe('PARQUET_BAD_MAGIC')
    expect((err as Error).message).toContain('car://bafy.../a.parquet')
  })

  it('refuses a reader with a bad byteLength at construction', () => {
    const bad = {
      name: 'x',
      byteLength: -1,
      version: '1',
      read: async () => new Uint8Array(0),
      close: async () => {},
    }
    expect(() => loadParquet(bad)).toThrow(/byteLength/)
  })
})
