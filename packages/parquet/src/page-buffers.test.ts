import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import {
  givePageBuffer,
  holdPageBuffers,
  pageBufferStats,
  releasePageBuffers,
  takePageBuffer,
} from './page-buffers.js'
import { exec, lit, query, tempDir } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  // unique texts (PLAIN pages), texts of a few values (dictionary pages), nulls; several row groups
  await exec(`COPY (SELECT range AS id,
      CASE WHEN range % 9 = 4 THEN NULL ELSE repeat(md5(range::VARCHAR), 1 + (range % 7)) || '-é' END AS text,
      'label-' || (range % 5) AS label
    FROM range(30000)) TO ${lit(join(dir, 'text.parquet'))} (FORMAT parquet, COMPRESSION 'snappy', ROW_GROUP_SIZE 8192)`)
})
afterAll(() => cleanup())

describe('page buffers', () => {
  it('hands a given-back buffer out again for a page that fits, and a new one for a larger page', () => {
    const a = takePageBuffer(1000)
    expect(a.length).toBeGreaterThanOrEqual(1000)
    givePageBuffer(a)
    expect(takePageBuffer(900)).toBe(a)
    const b = takePageBuffer(a.length + 1)
    expect(b).not.toBe(a)
    expect(b.length).toBeGreaterThan(a.length)
  })

  it('drops the kept buffers when the last row group reader is released (the pass ended)', async () => {
    holdPageBuffers()
    givePageBuffer(takePageBuffer(4096))
    expect(pageBufferStats().buffers).toBeGreaterThan(0)
    releasePageBuffers()
    expect(pageBufferStats()).toEqual({ buffers: 0, bytes: 0 })
    // a whole read leaves none kept either
    for await (const b of loadParquet(join(dir, 'text.parquet'), { workers: 0, cacheEnabled: false })) {
      expect(b.numRows).toBeGreaterThan(0)
    }
    expect(pageBufferStats()).toEqual({ buffers: 0, bytes: 0 })
  })

  it('leave every batch its own values while pages reuse the memory (DuckDB, SNAPPY, batches across pages)', async () => {
    const path = join(dir, 'text.parquet')
    const expected = await query(`SELECT text, label FROM read_parquet(${lit(path)}) ORDER BY id`)
    for (const batchSize of [777, 10_000]) {
      const batches = []
      for await (const b of loadParquet(path, { batchSize, workers: 0, cacheEnabled: false })) batches.push(b)
      expect(batches.length).toBeGreaterThan(1)
      // every batch is held until the end: a reused page must not show through any of them
      const texts = batches.flatMap((b) => b.column('text') as (string | null)[])
      const labels = batches.flatMap((b) => b.column('label') as (string | null)[])
      expect(texts).toEqual(expected.map((r) => r.text))
      expect(labels).toEqual(expected.map((r) => r.label))
    }
  })
})
