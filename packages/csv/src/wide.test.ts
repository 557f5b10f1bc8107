import { afterAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import { tempDir } from './test-support/files.js'

const tmp = tempDir()
afterAll(() => tmp.remove())

/**
 * Cost linear in the input: very wide records must not make buffers of columns x batchSize, nor
 * check names pairwise. The bounds are loose (a regression to quadratic work or per-column
 * preallocation takes minutes and gigabytes), not speed targets.
 */
describe('wide files', () => {
  it('reads an 80,000-column CSV (about 700 KB) in bounded time and memory', async () => {
    const columns = 80_000
    const header = Array.from({ length: columns }, (_, i) => `c${i}`).join(',')
    const row = Array.from({ length: columns }, (_, i) => i % 10).join(',')
    const path = tmp.write('wide.csv', `${header}\n${row}\n`)
    const rss = process.memoryUsage().rss
    const t0 = performance.now()
    const batch = await loadCsv(path).collect()
    expect(performance.now() - t0).toBeLessThan(10_000)
    expect(process.memoryUsage().rss - rss).toBeLessThan(512 * 2 ** 20)
    expect(batch.numColumns).toBe(columns)
    expect(batch.numRows).toBe(1)
    expect(batch.column('c79999')).toEqual(Int32Array.of(9))
  })

  it('reads a 2,000-column, 10-row CSV with buffers sized by its rows, not by batchSize', async () => {
    const header = Array.from({ length: 2000 }, (_, i) => `c${i}`).join(',')
    const rows = Array.from({ length: 10 }, (_, r) =>
      Array.from({ length: 2000 }, (_, i) => `v${r * i}`).join(','),
    )
    const path = tmp.write('wide-short.csv', `${header}\n${rows.join('\n')}\n`)
    const batch = await loadCsv(path, { batchSize: 100_000 }).collect()
    expect(batch.numRows).toBe(10)
    // the batch holds its values (and little more): 2,000 string columns of 10 short values
    expect(batch.byteSize).toBeLessThan(4 * 2 ** 20)
    expect(batch.rows()[9]?.c1999).toBe(`v${9 * 1999}`)
  })
})
