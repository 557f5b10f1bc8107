import { describe, expect, it } from 'vitest'
import { RecordBatch } from '../record-batch.js'
import { rowsDifference } from './same-rows.js'

const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, name: (from + i) % 3 === 0 ? null : `n${from + i}` }))

describe('rowsDifference', () => {
  it('finds none between the same rows cut into other batches', () => {
    const one = [RecordBatch.fromRows(rows(0, 10))]
    const two = [RecordBatch.fromRows(rows(0, 4)), RecordBatch.fromRows(rows(4, 6))]
    expect(rowsDifference(two, one)).toBeUndefined()
    expect(rowsDifference([], [])).toBeUndefined()
  })

  it('names the first row that differs, and a missing or extra row', () => {
    const expected = [RecordBatch.fromRows(rows(0, 10))]
    const changed = rows(0, 10)
    changed[7] = { id: 7, name: 'other' }
    expect(rowsDifference([RecordBatch.fromRows(changed)], expected)).toBe(
      "row 7 is { id: 7, name: 'other' }, expected { id: 7, name: 'n7' }",
    )
    expect(rowsDifference([RecordBatch.fromRows(rows(0, 9))], expected)).toBe(
      '9 rows, expected 10: the first 9 agree, then a missing row { id: 9, name: null }',
    )
    expect(rowsDifference([RecordBatch.fromRows(rows(0, 11))], expected)).toMatch(/^11 rows, expected 10/)
  })

  it('compares values, not layouts: other bytes in a null slot do not count', () => {
    const a = RecordBatch.fromColumns({ x: new Float64Array([1, 2, 3]) })
    const b = RecordBatch.fromColumns({ x: [1, 2, 3] })
    expect(rowsDifference([a], [b])).toBeUndefined()
    const withNull = (fill: number) => {
      const batch = RecordBatch.fromColumns({ x: [1, null, 3] })
      const column = batch.data('x') as { values?: Float64Array }
      if (column.values) column.values[1] = fill
      return batch
    }
    expect(rowsDifference([withNull(7)], [withNull(0)])).toBeUndefined()
    expect(rowsDifference([RecordBatch.fromColumns({ x: [1, 2, 3] })], [withNull(0)])).toBe(
      'row 1 is { x: 2 }, expected { x: null }',
    )
  })
})
