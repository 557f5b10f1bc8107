import { describe, expect, it } from 'vitest'
import { BatchAccumulator } from './rebatch.js'
import { RecordBatch } from './record-batch.js'

function range(start: number, n: number) {
  return RecordBatch.fromColumns({ id: Int32Array.from({ length: n }, (_, i) => start + i) })
}

describe('BatchAccumulator', () => {
  it('cuts and joins any layout into exact batches', () => {
    for (const layout of [
      [25_000],
      [7_000, 7_000, 7_000, 4_000],
      [1, 9_999, 15_000],
      [30_000].map(() => 25_000),
    ]) {
      const acc = new BatchAccumulator(10_000)
      const out: RecordBatch[] = []
      let start = 0
      for (const n of layout) {
        out.push(...acc.push(range(start, n)))
        start += n
      }
      const rest = acc.flush()
      if (rest) out.push(rest)
      expect(out.map((b) => b.numRows)).toEqual([10_000, 10_000, 5_000])
      const ids = RecordBatch.concat(out).column('id') as Int32Array
      expect(ids.every((v, i) => v === i)).toBe(true)
    }
  })

  it('flush() of nothing is undefined and empty batches are ignored', () => {
    const acc = new BatchAccumulator(3)
    expect(acc.push(range(0, 0))).toEqual([])
    expect(acc.flush()).toBeUndefined()
  })

  it('rejects a non-positive size', () => {
    expect(() => new BatchAccumulator(0)).toThrow(/positive integer/)
  })
})
