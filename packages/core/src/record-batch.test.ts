import { describe, expect, it } from 'vitest'
import { SdError, ValidationError } from './errors.js'
import { RecordBatch } from './record-batch.js'

describe('RecordBatch', () => {
  it('infers a schema from columns and builds rows lazily, once', () => {
    const batch = RecordBatch.fromColumns({
      id: Int32Array.of(1, 2, 3),
      score: Float64Array.of(0.5, 1.5, 2.5),
      name: ['a', null, 'c'],
      big: BigInt64Array.of(1n, 2n, 3n),
    })
    expect(batch.numRows).toBe(3)
    expect(batch.schema).toEqual([
      { name: 'id', type: 'int32', nullable: false },
      { name: 'score', type: 'float64', nullable: false },
      { name: 'name', type: 'string', nullable: true },
      { name: 'big', type: 'int64', nullable: false },
    ])
    const rows = batch.rows()
    expect(rows[1]).toEqual({ id: 2, score: 1.5, name: null, big: 2n })
    expect(batch.rows()).toBe(rows)
    expect([...batch].map((r) => r.id)).toEqual([1, 2, 3])
  })

  it('turns a bool-typed Uint8Array column into booleans in rows', () => {
    const batch = RecordBatch.fromColumns({ flag: Uint8Array.of(1, 0) }, [
      { name: 'flag', type: 'bool', nullable: false },
    ])
    expect(batch.rows()).toEqual([{ flag: true }, { flag: false }])
  })

  it('builds typed columns from rows only when asked', () => {
    const rows = [
      { id: 1, value: 1.5, tag: 'x' },
      { id: 2, value: 2.5, tag: 'y' },
    ]
    const batch = RecordBatch.fromRows(rows)
    expect(batch.rows()).toBe(rows)
    expect(batch.schema.map((f) => f.type)).toEqual(['int32', 'float64', 'string'])
    expect(batch.column('id')).toEqual(Int32Array.of(1, 2))
    expect(batch.column('value')).toEqual(Float64Array.of(1.5, 2.5))
    expect(batch.column('tag')).toEqual(['x', 'y'])
  })

  it('makes keys missing from some rows nullable and fills them with null', () => {
    const batch = RecordBatch.fromRows<Record<string, unknown>>([{ a: 1 }, { a: 2, b: 'x' }])
    expect(batch.field('b')).toEqual({ name: 'b', type: 'string', nullable: true })
    expect(batch.column('b')).toEqual([null, 'x'])
  })

  it('rejects columns of unequal length and unknown columns', () => {
    expect(() => RecordBatch.fromColumns({ a: [1, 2], b: [1] })).toThrow(ValidationError)
    const batch = RecordBatch.fromColumns({ a: [1] })
    try {
      batch.column('zz')
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(SdError)
      expect((err as SdError).code).toBe('UNKNOWN_COLUMN')
      expect((err as Error).message).toContain('expected one of [a]')
    }
  })

  it('select, slice and filter', () => {
    const batch = RecordBatch.fromColumns({ id: Int32Array.of(0, 1, 2, 3, 4), s: ['a', 'b', 'c', 'd', 'e'] })
    const sel = batch.select(['s'])
    expect(sel.columnNames).toEqual(['s'])
    const sliced = batch.slice(1, 3)
    expect(sliced.column('id')).toEqual(Int32Array.of(1, 2))
    // typed slices are views over the same memory
    expect((sliced.column('id') as Int32Array).buffer).toBe((batch.column('id') as Int32Array).buffer)
    expect(batch.slice(-2).column('s')).toEqual(['d', 'e'])
    const filtered = batch.filter(Uint8Array.of(1, 0, 1, 0, 1))
    expect(filtered.column('id')).toEqual(Int32Array.of(0, 2, 4))
    expect(filtered.column('s')).toEqual(['a', 'c', 'e'])
    expect(batch.filter([false, true, false, false, false]).rows()).toEqual([{ id: 1, s: 'b' }])
    expect(() => batch.filter([true])).toThrow(/expected 5, got 1/)
  })

  it('concat keeps typed columns typed and fills missing columns with null', () => {
    const a = RecordBatch.fromColumns({ id: Int32Array.of(1, 2), x: ['p', 'q'] })
    const b = RecordBatch.fromColumns({ id: Int32Array.of(3) })
    const joined = RecordBatch.concat([a, b])
    expect(joined.numRows).toBe(3)
    expect(joined.column('id')).toEqual(Int32Array.of(1, 2, 3))
    expect(joined.column('x')).toEqual(['p', 'q', null])
    expect(joined.field('x').nullable).toBe(true)
    const rows = RecordBatch.concat([RecordBatch.fromRows([{ v: 1 }]), RecordBatch.fromRows([{ v: 2.5 }])])
    expect(rows.toColumns()).toEqual({ v: Float64Array.of(1, 2.5) })
    expect(RecordBatch.concat([]).numRows).toBe(0)
  })

  it('estimates its byte size', () => {
    const typed = RecordBatch.fromColumns({ x: new Float64Array(1000) })
    expect(typed.byteSize).toBe(8000)
    const strings = RecordBatch.fromColumns({ s: Array.from({ length: 1000 }, () => 'abcdefghij') })
    expect(strings.byteSize).toBeGreaterThan(10_000)
    expect(strings.byteSize).toBeLessThan(100_000)
    const rows = RecordBatch.fromRows(Array.from({ length: 100 }, (_, i) => ({ i })))
    expect(rows.byteSize).toBeGreaterThan(800)
  })

  it('recognises batches by brand', () => {
    expect(RecordBatch.isRecordBatch(RecordBatch.empty())).toBe(true)
    expect(RecordBatch.isRecordBatch({ numRows: 0 })).toBe(false)
  })
})

describe('vector columns', () => {
  it('carry their dimension from columns and from rows, and none when lengths differ', () => {
    const v = [Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)]
    expect(RecordBatch.fromColumns({ v }).field('v')).toEqual({
      name: 'v',
      type: 'vector',
      nullable: false,
      dimension: 3,
    })
    expect(RecordBatch.fromRows(v.map((x) => ({ v: x }))).field('v')).toEqual({
      name: 'v',
      type: 'vector',
      nullable: false,
      dimension: 3,
    })
    const ragged = RecordBatch.fromRows([{ v: Float32Array.of(1) }, { v: Float32Array.of(1, 2) }])
    expect(ragged.field('v')).toEqual({ name: 'v', type: 'vector', nullable: false })
  })
})
