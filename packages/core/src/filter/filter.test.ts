import { describe, expect, it } from 'vitest'
import { SdError } from '../errors.js'
import { compileFilter, type Filter, filterEquals, readField, validateFilter } from '../index.js'

const rows = [
  { id: 0, lang: 'en', score: 0.1, tags: ['a', 'b'], meta: { src: 'web' } },
  { id: 1, lang: 'fr', score: 0.5, tags: ['c'], meta: { src: 'book' } },
  { id: 2, lang: 'en', score: null, tags: [], meta: { src: 'web' } },
  { id: 3, lang: 'de', score: 0.9, meta: null },
  { id: 4, score: 0.7, tags: ['b'] },
]

function ids(filter: Filter): number[] {
  const f = compileFilter(filter)
  return rows.filter((r) => f.matches(r)).map((r) => r.id)
}

describe('compileFilter on row objects', () => {
  it('equality, comparisons and null', () => {
    expect(ids({ lang: 'en' })).toEqual([0, 2])
    expect(ids({ lang: { $eq: 'en' } })).toEqual([0, 2])
    expect(ids({ lang: { $ne: 'en' } })).toEqual([1, 3, 4])
    expect(ids({ score: { $gt: 0.5 } })).toEqual([3, 4])
    expect(ids({ score: { $gte: 0.5 } })).toEqual([1, 3, 4])
    expect(ids({ score: { $lt: 0.5 } })).toEqual([0])
    expect(ids({ score: { $lte: 0.5 } })).toEqual([0, 1])
    expect(ids({ score: null })).toEqual([2])
    expect(ids({ score: { $gte: 0.1, $lt: 0.9 } })).toEqual([0, 1, 4])
  })

  it('$in and $nin, also against array values', () => {
    expect(ids({ lang: { $in: ['fr', 'de'] } })).toEqual([1, 3])
    expect(ids({ lang: { $nin: ['fr', 'de'] } })).toEqual([0, 2, 4])
    expect(ids({ tags: { $in: ['b'] } })).toEqual([0, 4])
    expect(ids({ tags: ['a', 'b'] })).toEqual([0])
  })

  it('$and, $or, $nor, $not and dotted paths', () => {
    expect(ids({ $or: [{ lang: 'fr' }, { score: { $gt: 0.8 } }] })).toEqual([1, 3])
    expect(ids({ $and: [{ lang: 'en' }, { score: { $gt: 0 } }] })).toEqual([0])
    expect(ids({ $nor: [{ lang: 'en' }, { lang: 'fr' }] })).toEqual([3, 4])
    expect(ids({ score: { $not: { $gt: 0.5 } } })).toEqual([0, 1, 2])
    expect(ids({ 'meta.src': 'web' })).toEqual([0, 2])
  })

  it('equality is strict by default, loose on request', () => {
    const f = compileFilter({ id: 5 })
    expect(f.matches({ id: 5 })).toBe(true)
    expect(f.matches({ id: 5n })).toBe(false)
    expect(f.matches({ id: '5' })).toBe(false)
    expect(compileFilter({ id: 5 }, { strict: false }).matches({ id: '5' })).toBe(true)
    expect(compileFilter({ d: new Date(5) }).matches({ d: new Date(5) })).toBe(true)
    expect(compileFilter({ b: { $in: [Uint8Array.of(1, 2)] } }).matches({ b: Uint8Array.of(1, 2) })).toBe(
      true,
    )
    expect(filterEquals({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true)
    expect(filterEquals({ a: 1 }, { b: 1 })).toBe(false)
  })

  it('never reads a field from a prototype', () => {
    const f = compileFilter({ toString: { $gte: '' } })
    expect(f.matches({})).toBe(false)
    expect(compileFilter({ constructor: 'x' }).matches({ constructor: 'x' })).toBe(true)
    expect(compileFilter({ constructor: { $gte: '' } }).matches({})).toBe(false)
    const proto = JSON.parse('{"__proto__": {"admin": true}}') as object
    expect(compileFilter({ '__proto__.admin': true }).matches(proto)).toBe(true)
    expect(compileFilter({ admin: true }).matches(proto)).toBe(false)
    expect(readField(Object.create({ x: 1 }), 'x')).toBeUndefined()
  })
})

describe('masks', () => {
  it('mask over columns, maskRows and matches agree', () => {
    const n = 500
    const a = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 101)
    const b = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `t${i % 3}`))
    const asRows = Array.from({ length: n }, (_, i) => ({ a: a[i], b: b[i] }))
    const filters: Filter[] = [
      { a: { $gte: 20, $lt: 60 } },
      { $or: [{ b: 't1' }, { a: { $in: [1, 2, 3, 50] } }] },
      { b: { $nin: ['t0', null] }, a: { $ne: 7 } },
      { $nor: [{ b: null }], a: { $lte: 10 } },
    ]
    for (const filter of filters) {
      const f = compileFilter(filter)
      const byColumns = f.mask((name) => (name === 'a' ? a : name === 'b' ? b : undefined), n)
      const byRows = f.maskRows(asRows)
      const expected = Uint8Array.from(asRows, (r) => (f.matches(r) ? 1 : 0))
      expect(byColumns).toEqual(expected)
      expect(byRows).toEqual(expected)
      const count = expected.reduce((s, v) => s + v, 0)
      expect(count).toBeGreaterThan(0)
      expect(count).toBeLessThan(n)
    }
  })
})

describe('validateFilter', () => {
  it('returns the fields read', () => {
    expect(validateFilter({ $or: [{ lang: 'en' }, { score: { $gte: 0.5 } }], lang: { $ne: 'x' } })).toEqual([
      'lang',
      'score',
    ])
  })

  it.each([
    [{ score: { $gtx: 1 } }, 'score.$gtx', /unknown operator \$gtx/],
    [{ $xor: [] }, '$xor', /unknown operator/],
    [{ tag: { $in: 'a' } }, 'tag.$in', /expected an array of values, got string a/],
    [{ $and: { a: 1 } }, '$and', /expected an array of filters/],
    [{ $or: [{ a: 1 }, 5] }, '$or[1]', /expected an object of conditions, got number 5/],
    [{ a: { $gt: { b: 1 } } }, 'a.$gt', /expected a value, got an object/],
    [{ a: { $lt: Number.NaN } }, 'a.$lt', /got NaN/],
    [{ a: {} }, 'a', /at least one operator/],
    [{ '': 1 }, '', /empty field name/],
    [[{ a: 1 }], '', /expected an object of conditions, got an array/],
  ])('rejects %j at %s', (filter, where, message) => {
    let error: unknown
    try {
      validateFilter(filter)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(SdError)
    expect((error as SdError).code).toBe('INVALID_FILTER')
    expect((error as Error).message).toMatch(message)
    if (where) expect((error as Error).message).toContain(`at ${where}:`)
  })
})
