import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { tempDir, writeHyparquet } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await writeHyparquet(join(dir, 'g.parquet'), 5000, [1000])
})
afterAll(() => cleanup())

describe('rowGroups', () => {
  it('reads only the row groups named, in file order', async () => {
    const ds = loadParquet(join(dir, 'g.parquet'), { rowGroups: [3, 1], batchSize: 10_000 })
    const ids = Array.from((await ds.collect()).column('id') as Int32Array)
    expect(ids).toHaveLength(2000)
    expect([ids[0], ids[999], ids[1000], ids[1999]]).toEqual([1000, 1999, 3000, 3999])
    expect(ds.getStats().parquet).toMatchObject({ rowGroupsRead: 2 })
    expect(await loadParquet(join(dir, 'g.parquet'), { rowGroups: [] }).count()).toBe(0)
  })

  it('refuses indexes that are not non-negative integers', () => {
    expect(() => loadParquet(join(dir, 'g.parquet'), { rowGroups: [-1] })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    )
  })
})
