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
    // vectors of different lengths have no fixed-size layout: they stay plain JSON values
    const ragged = RecordBatch.fromRows([{ v: Float32Array.of(1) }, { v: Float32Array.of(1, 2) }])
    expect(ragged.field('v')).toEqual({ name: 'v', type: 'json', nullable: false })
    expect(ragged.data('v').kind).toBe('json')
  })

  it('lay out as one flat Float32Array, with row views over it', () => {
    const batch = RecordBatch.fromColumns({ v: [Float32Array.of(1, 2), Float32Array.of(3, 4)] })
    expect(batch.column('v')).toEqual(Float32Array.of(1, 2, 3, 4))
    const row = batch.rows()[1] as { v: Float32Array }
    expect(row.v).toEqual(Float32Array.of(3, 4))
    expect(row.v.buffer).toBe((batch.column('v') as Float32Array).buffer)
  })
})

describe('the Arrow layout inside a batch', () => {
  it('keeps nullable numbers typed, with nulls in the validity bitmap and null in rows', () => {
    const batch = RecordBatch.fromColumns({
      n: [1, null, 3],
      big: [1n, null, 3n],
      x: [0.5, 1.5, null],
      b: [true, null, false],
      s: ['a', null, 'ccc'],
    })
    expect(batch.column('n')).toEqual(Int32Array.of(1, 0, 3))
    expect(batch.column('big')).toEqual(BigInt64Array.of(1n, 0n, 3n))
    expect(batch.column('x')).toEqual(Float64Array.of(0.5, 1.5, 0))
    expect(batch.column('b')).toEqual(Uint8Array.of(1, 0, 0))
    expect(batch.column('s')).toEqual(['a', null, 'ccc'])
    expect(batch.data('n').nullCount).toBe(1)
    expect(batch.data('n').isNull(1)).toBe(true)
    expect(batch.rows()).toEqual([
      { n: 1, big: 1n, x: 0.5, b: true, s: 'a' },
      { n: null, big: null, x: 1.5, b: null, s: null },
      { n: 3, big: 3n, x: null, b: false, s: 'ccc' },
    ])
    expect(batch.byteSize).toBe(batch.columns().reduce((sum, c) => sum + c.byteSize, 0))
    // exact: 3 int32 + 3 int64 + 3 float64 values, one byte of bool bits, five validity bytes,
    // then the strings' 4 offsets and 4 bytes
    expect(batch.byteSize).toBe(12 + 24 + 24 + 1 + 5 + 16 + 4)
  })

  it('takes ColumnData as is and lays plain arrays out by the schema given', () => {
    const batch = RecordBatch.fromColumns({ d: [new Date('2020-01-02T00:00:00Z')], t: [0n] }, [
      { name: 'd', type: 'date', nullable: false },
      { name: 't', type: 'timestamp', nullable: false, unit: 's' },
    ])
    expect(batch.column('d')).toEqual(Int32Array.of(18263))
    expect(batch.rows()[0]).toEqual({ d: new Date('2020-01-02T00:00:00Z'), t: new Date(0) })
    const again = RecordBatch.fromColumns({ d: batch.data('d') })
    expect(again.data('d')).toBe(batch.data('d'))
  })
})

describe('keys from data never become prototypes', () => {
  it('carries __proto__, constructor and toString as own properties of row views', () => {
    const batch = RecordBatch.fromColumns({
      ['__proto__']: [{ isAdmin: true }],
      constructor: ['c'],
      toString: ['t'],
      user: ['eve'],
    })
    expect(batch.columnNames).toEqual(['__proto__', 'constructor', 'toString', 'user'])
    const row = batch.rows()[0] as Record<string, unknown>
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect((row as { isAdmin?: unknown }).isAdmin).toBeUndefined()
    expect(Object.hasOwn(row, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toEqual({ isAdmin: true })
    expect(row.constructor).toBe('c')
    expect(row.toString).toBe('t')
  })

  it('does so in wide batches too, built without a compiled literal', () => {
    const columns: Record<string, unknown[]> = Object.create(null)
    for (let j = 0; j < 1000; j++) columns[`c${j}`] = [j]
    // a key taken from data, as a parser would produce it (an own property, not the prototype)
    Object.defineProperty(columns, '__proto__', { value: [{ isAdmin: true }], enumerable: true })
    const row = RecordBatch.fromColumns(columns).rows()[0] as Record<string, unknown>
    expect(Object.keys(row)).toHaveLength(1001)
    expect(row.c999).toBe(999)
    expect((row as { isAdmin?: unknown }).isAdmin).toBeUndefined()
    expect(Object.hasOwn(row, '__proto__')).toBe(true)
  })

  it('reads own __proto__ keys of row objects into columns', () => {
    const rows = [JSON.parse('{"__proto__": {"isAdmin": true}, "user": "eve"}') as Record<string, unknown>]
    const batch = RecordBatch.fromRows(rows)
    expect(batch.columnNames).toEqual(['__proto__', 'user'])
    expect(batch.column('__proto__')).toEqual([{ isAdmin: true }])
  })
})

describe('wide batches', () => {
  it('check names in linear time (80,000 columns)', () => {
    const columns: Record<string, Int32Array> = Object.create(null)
    const schema = []
    for (let j = 0; j < 80_000; j++) {
      columns[`c${j}`] = Int32Array.of(j)
      schema.push({ name: `c${j}`, type: 'int32' as const, nullable: false })
    }
    const t0 = performance.now()
    const batch = RecordBatch.fromColumns(columns, schema)
    batch.select(['c79999', 'c0'])
    // a quadratic check took tens of seconds here; linear is a few tens of milliseconds
    expect(performance.now() - t0).toBeLessThan(5000)
    expect(batch.column('c79999')).toEqual(Int32Array.of(79_999))
  })

  it('refuse duplicate names', () => {
    expect(() =>
      RecordBatch.fromData(
        [
          { name: 'a', type: 'int32', nullable: false },
          { name: 'a', type: 'int32', nullable: false },
        ],
        [
          RecordBatch.fromColumns({ a: Int32Array.of(1) }).data('a'),
          RecordBatch.fromColumns({ a: Int32Array.of(1) }).data('a'),
        ],
      ),
    ).toThrow(/distinct/)
  })
})
