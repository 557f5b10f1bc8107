import { describe, expect, it } from 'vitest'
import { StreamingStats } from './stats.js'

function clock(start = 0) {
  let t = start
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms
    },
  }
}

describe('StreamingStats', () => {
  it('counts records, batches and bytes over two batches', () => {
    const c = clock()
    const stats = new StreamingStats({ now: c.now })
    stats.startBatch()
    c.advance(10)
    stats.endBatch(100, 1024)
    stats.startBatch()
    c.advance(30)
    stats.endBatch(200, 2048)
    const t = stats.getThroughput()
    expect(t.totalRecords).toBe(300)
    expect(t.totalBatches).toBe(2)
    expect(t.totalBytes).toBe(3072)
    expect(t.avgBatchSize).toBe(150)
    expect(t.elapsedSeconds).toBeCloseTo(0.04)
    expect(t.recordsPerSecond).toBeCloseTo(300 / 0.04)
    expect(t.bytesPerSecond).toBeCloseTo(3072 / 0.04)
    expect(t.avgBatchTime).toBeCloseTo(0.02)
    expect(t.minBatchTime).toBeCloseTo(0.01)
    expect(t.maxBatchTime).toBeCloseTo(0.03)
    expect(t.p50BatchTime).toBeCloseTo(0.02)
    expect(t.p95BatchTime).toBeCloseTo(0.029)
    expect(t.timeToFirstBatch).toBeCloseTo(0.01)
  })

  it('reset() zeroes the totals and drops the byte and batch-time keys', () => {
    const stats = new StreamingStats()
    stats.startBatch()
    stats.endBatch(100, 1024)
    stats.reset()
    const t = stats.getThroughput()
    expect(t.totalRecords).toBe(0)
    expect(t.totalBatches).toBe(0)
    for (const key of [
      'totalBytes',
      'bytesPerSecond',
      'avgBatchTime',
      'p50BatchTime',
      'p95BatchTime',
      'timeToFirstBatch',
      'avgBatchSize',
    ]) {
      expect(t).not.toHaveProperty(key)
    }
  })

  it('endBatch without startBatch counts nothing', () => {
    const stats = new StreamingStats()
    stats.endBatch(100, 1024)
    const t = stats.getThroughput()
    expect(t.totalRecords).toBe(0)
    expect(t.totalBatches).toBe(0)
    expect(t).not.toHaveProperty('totalBytes')
    // a second endBatch after a matched pair is ignored too
    stats.startBatch()
    stats.endBatch(5)
    stats.endBatch(7)
    expect(stats.getThroughput().totalRecords).toBe(5)
  })

  it('leaves out bytes when none were counted but keeps batch times', () => {
    const stats = new StreamingStats()
    stats.startBatch()
    stats.endBatch(10)
    const t = stats.getThroughput()
    expect(t).not.toHaveProperty('totalBytes')
    expect(t.avgBatchTime).toBeGreaterThanOrEqual(0)
  })

  it('sums passes without the idle time between them, and time to first batch counts set-up', () => {
    const c = clock()
    const stats = new StreamingStats({ now: c.now })
    stats.beginStream()
    c.advance(5) // opening the file
    stats.startBatch()
    c.advance(10)
    stats.endBatch(10)
    stats.endStream()
    c.advance(1000) // idle
    stats.beginStream()
    stats.startBatch()
    c.advance(20)
    stats.endBatch(10)
    stats.endStream()
    const t = stats.getThroughput()
    expect(t.elapsedSeconds).toBeCloseTo(0.035)
    expect(t.timeToFirstBatch).toBeCloseTo(0.015)
  })

  it('keeps percentiles from a bounded reservoir of batch times', () => {
    const c = clock()
    const stats = new StreamingStats({ now: c.now, maxSamples: 100 })
    for (let i = 1; i <= 10_000; i++) {
      stats.startBatch()
      c.advance(i % 100 === 0 ? 100 : 1)
      stats.endBatch(1)
    }
    const t = stats.getThroughput()
    expect(t.totalBatches).toBe(10_000)
    expect(t.maxBatchTime).toBeCloseTo(0.1)
    expect(t.p50BatchTime).toBeCloseTo(0.001)
  })
})
