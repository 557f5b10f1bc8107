import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { fixtures } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

/**
 * Cost linear in the input: a line of 40,000 keys must not make buffers of columns x batchSize nor
 * compile a 40,000-statement function. Loose bounds (a regression takes minutes and gigabytes).
 */
describe('wide records', () => {
  it('reads a 40,000-key NDJSON line in bounded time and memory', async () => {
    const keys = 40_000
    const record = Object.fromEntries(
      Array.from({ length: keys }, (_, i) => [`k${i}`, i % 3 === 0 ? `s${i}` : i]),
    )
    const path = files.write('wide.ndjson', `${JSON.stringify(record)}\n${JSON.stringify(record)}\n`)
    const rss = process.memoryUsage().rss
    const t0 = performance.now()
    const batch = await loadJson(path).collect()
    expect(performance.now() - t0).toBeLessThan(10_000)
    expect(process.memoryUsage().rss - rss).toBeLessThan(512 * 2 ** 20)
    expect(batch.numColumns).toBe(keys)
    expect(batch.numRows).toBe(2)
    expect(batch.rows()[1]?.k39998).toBe(39998)
    expect(batch.rows()[0]?.k3).toBe('s3')
  })
})
