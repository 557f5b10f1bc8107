import { describe, expect, it } from 'vitest'
import { ValidationError } from '../errors.js'
import { packBits } from './bitmap.js'
import type { BoolColumn } from './bool.js'
import { type ColumnData, nullColumn, reviveColumn } from './column-data.js'
import { concatColumnData } from './concat.js'
import { DictionaryColumn } from './dictionary.js'
import { FixedColumn } from './fixed.js'
import { columnFromValues } from './from-values.js'
import { JsonColumn } from './json.js'
import { Utf8Builder, Utf8Column } from './utf8.js'
import { VectorColumn } from './vector.js'

const values = (c: ColumnData) => Array.from({ length: c.length }, (_, i) => c.get(i))

describe('FixedColumn', () => {
  it('keeps typed values with nulls in a validity bitmap, and views on slice', () => {
    const c = columnFromValues([1, null, 3, null, 5], {
      name: 'n',
      type: 'int32',
      nullable: true,
    }) as FixedColumn
    expect(c.kind).toBe('fixed')
    expect(c.values).toEqual(Int32Array.of(1, 0, 3, 0, 5))
    expect(c.nullCount).toBe(2)
    expect([...(c.validity as Uint8Array)]).toEqual([0b10101])
    expect(values(c)).toEqual([1, null, 3, null, 5])
    const s = c.slice(1, 4)
    expect(s.values.buffer).toBe(c.values.buffer)
    expect(values(s)).toEqual([null, 3, null])
    expect(s.nullCount).toBe(2)
    expect(values(c.filter([1, 1, 0, 0, 1]))).toEqual([1, null, 5])
    expect(c.byteSize).toBe(5 * 4 + 1)
  })

  it('drops the bitmap when nothing is null', () => {
    const c = new FixedColumn('float64', Float64Array.of(1, 2), packBits([1, 1]))
    expect(c.validity).toBeUndefined()
    expect(c.nullCount).toBe(0)
  })

  it('refuses a typed array of the wrong kind', () => {
    expect(() => new FixedColumn('int64', new Int32Array(2))).toThrow(ValidationError)
  })

  it('reads dates and timestamps as Dates from their integers', () => {
    const day = new Date('2024-03-01T00:00:00Z')
    const at = new Date('2024-03-01T12:34:56.789Z')
    const d = columnFromValues([day, null], { name: 'd', type: 'date', nullable: true }) as FixedColumn
    expect(d.values).toEqual(Int32Array.of(19783, 0))
    expect(d.get(0)).toEqual(day)
    const us = columnFromValues([at], {
      name: 't',
      type: 'timestamp',
      nullable: false,
      unit: 'us',
    }) as FixedColumn
    expect(us.values).toEqual(BigInt64Array.of(BigInt(at.getTime()) * 1000n))
    expect(us.unit).toBe('us')
    expect(us.get(0)).toEqual(at)
  })

  it('names the column and row of a value that does not fit', () => {
    try {
      columnFromValues([1, 'two'], { name: 'n', type: 'int32', nullable: false })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError)
      expect((err as ValidationError).code).toBe('TYPE_MISMATCH')
      expect((err as ValidationError).location).toEqual({ column: 'n', row: 1 })
    }
  })
})

describe('BoolColumn', () => {
  it('packs one bit per value, counts trues, unpacks on request', () => {
    const input = [true, false, null, true, true, false, true, true, false, true]
    const c = columnFromValues(input, { name: 'b', type: 'bool', nullable: true }) as BoolColumn
    expect(c.bits.byteLength).toBe(2)
    expect(values(c)).toEqual(input)
    expect(c.countTrue()).toBe(6)
    expect([...c.toValues()]).toEqual([1, 0, 0, 1, 1, 0, 1, 1, 0, 1])
    expect(values(c.slice(3, 10))).toEqual(input.slice(3))
    expect(values(c.filter(input.map((v) => v === true)))).toEqual([true, true, true, true, true, true])
  })
})

describe('Utf8Column', () => {
  it('stores offsets and bytes and decodes only when read', () => {
    const c = Utf8Column.from(['ada', null, 'grâce', ''])
    expect([...c.offsets]).toEqual([0, 3, 3, 9, 9])
    expect(new TextDecoder().decode(c.bytes)).toBe('adagrâce')
    expect(c.get(2)).toBe('grâce')
    expect(c.toValues()).toEqual(['ada', null, 'grâce', ''])
    expect(c.toValues()).toBe(c.toValues())
  })

  it('slices as views sharing bytes (offsets need not start at 0) and filters by copying', () => {
    const words = Array.from({ length: 40 }, (_, i) => (i % 7 === 0 ? null : `w${i}-${'x'.repeat(i % 5)}`))
    const c = Utf8Column.from(words)
    const s = c.slice(10, 30)
    expect(s.bytes).toBe(c.bytes)
    expect(s.toValues()).toEqual(words.slice(10, 30))
    const mask = words.map((_, i) => i % 3 === 0)
    expect(c.filter(mask).toValues()).toEqual(words.filter((_, i) => i % 3 === 0))
  })

  it('decodes non-ASCII values one by one and ASCII columns in one go, with the same answer', () => {
    const ascii = Array.from({ length: 100 }, (_, i) => `value number ${i} ${'z'.repeat(i % 30)}`)
    expect(Utf8Column.from(ascii).toValues()).toEqual(ascii)
    const mixed = ascii.map((s, i) => (i % 10 === 0 ? `${s} — ☃` : s))
    expect(Utf8Column.from(mixed).toValues()).toEqual(mixed)
  })

  it('builds from raw bytes with nulls arriving late, across buffer growth', () => {
    const b = new Utf8Builder(2, 4)
    const src = new TextEncoder().encode('hello world, this is a longer input line')
    const expected: (string | null)[] = []
    for (let i = 0; i < 300; i++) {
      if (i > 100 && i % 17 === 0) {
        b.appendNull()
        expected.push(null)
      } else {
        const end = 1 + (i % src.length)
        b.appendBytes(src, 0, end)
        expected.push(new TextDecoder().decode(src.subarray(0, end)))
      }
    }
    const c = b.finish()
    expect(c.toValues()).toEqual(expected)
    expect(c.nullCount).toBe(expected.filter((v) => v === null).length)
    expect(b.finish().length).toBe(0)
  })

  it('holds binary values as byte views', () => {
    const c = columnFromValues([Uint8Array.of(1, 2), null], { name: 'b', type: 'binary', nullable: true })
    expect(c.get(0)).toEqual(Uint8Array.of(1, 2))
    expect(c.get(1)).toBeNull()
  })
})

describe('DictionaryColumn', () => {
  it('looks values up in its dictionary, decoding the dictionary once', () => {
    const dict = Utf8Column.from(['red', 'green'])
    const c = new DictionaryColumn(Int32Array.of(1, 0, 0, 1), dict, packBits([1, 1, 0, 1]))
    expect(c.toValues()).toEqual(['green', 'red', null, 'green'])
    expect(c.slice(1, 3).toValues()).toEqual(['red', null])
    expect(() => new DictionaryColumn(Int32Array.of(5), dict).validate()).toThrow(/outside the dictionary/)
  })
})

describe('VectorColumn', () => {
  it('keeps rows in one flat Float32Array', () => {
    const c = columnFromValues([Float32Array.of(1, 2), null, [5, 6]], {
      name: 'v',
      type: 'vector',
      nullable: true,
      dimension: 2,
    }) as VectorColumn
    expect(c.values).toEqual(Float32Array.of(1, 2, 0, 0, 5, 6))
    expect(c.get(2)).toEqual(Float32Array.of(5, 6))
    expect(c.get(1)).toBeNull()
    expect(c.slice(2, 3).values.buffer).toBe(c.values.buffer)
    expect(() =>
      columnFromValues([[1, 2, 3]], { name: 'v', type: 'vector', nullable: false, dimension: 2 }),
    ).toThrow(/vector of 2 numbers, got 3 values/)
  })
})

describe('concatColumnData', () => {
  const f = (type: ColumnData['type'], nullable = true) => ({ name: 'c', type, nullable })

  it('joins parts of one layout buffer by buffer, validity at odd offsets included', () => {
    const a = columnFromValues([1, null, 3], f('int64')) as FixedColumn
    const b = columnFromValues([4n, 5n], f('int64'))
    const joined = concatColumnData([a, b], [3, 2], f('int64'))
    expect(joined.kind).toBe('fixed')
    expect(values(joined)).toEqual([1n, null, 3n, 4n, 5n])
    const s = concatColumnData(
      [Utf8Column.from(['a', null]).slice(1, 2), Utf8Column.from(['bc'])],
      [1, 1],
      f('string'),
    )
    expect(s.toValues()).toEqual([null, 'bc'])
  })

  it('fills a missing part with nulls and widens mixed types value by value', () => {
    const joined = concatColumnData([columnFromValues([1, 2], f('int32')), undefined], [2, 2], f('int32'))
    expect(values(joined)).toEqual([1, 2, null, null])
    const widened = concatColumnData(
      [columnFromValues([1], f('int32')), columnFromValues([2.5], f('float64'))],
      [1, 1],
      f('float64'),
    )
    expect(widened.toValues()).toEqual(Float64Array.of(1, 2.5))
  })

  it('joins dictionary parts with different dictionaries into one dictionary column', () => {
    const d1 = new DictionaryColumn(Int32Array.of(0, 0, 1), Utf8Column.from(['x', 'z']))
    const d2 = new DictionaryColumn(Int32Array.of(1, 0), Utf8Column.from(['y', null]), packBits([0, 1]))
    const joined = concatColumnData([d1, d2], [3, 2], f('string'))
    expect(joined.kind).toBe('dictionary')
    expect(joined.toValues()).toEqual(['x', 'x', 'z', null, 'y'])
    expect(joined.nullCount).toBe(1)
    const mixed = concatColumnData([d1, Utf8Column.from(['w'])], [3, 1], f('string'))
    expect(mixed.kind).toBe('utf8')
    expect(mixed.toValues()).toEqual(['x', 'x', 'z', 'w'])
    const same = concatColumnData([d1, d1.slice(0, 1)], [2, 1], f('string'))
    expect(same.kind).toBe('dictionary')
  })
})

describe('structured clones', () => {
  it('revive into the same columns', () => {
    const columns: ColumnData[] = [
      columnFromValues([1.5, null], { name: 'a', type: 'float64', nullable: true }),
      columnFromValues([true, null], { name: 'b', type: 'bool', nullable: true }),
      Utf8Column.from(['s', null]),
      new DictionaryColumn(Int32Array.of(0, 0), Utf8Column.from(['k'])),
      new VectorColumn(Float32Array.of(1, 2, 3, 4), 2),
      new JsonColumn([{ a: 1 }, null]),
      nullColumn({ name: 't', type: 'timestamp', nullable: true, unit: 'ns' }, 2),
    ]
    for (const c of columns) {
      const revived = reviveColumn(structuredClone(c))
      expect(revived.constructor).toBe(c.constructor)
      expect(values(revived)).toEqual(values(c))
      expect(revived.nullCount).toBe(c.nullCount)
    }
    expect(() => reviveColumn({ kind: 'nope' })).toThrow(/kind nope/)
  })
})

describe('string values', () => {
  it('keep a leading U+FEFF (a value, not a byte order mark)', () => {
    const column = Utf8Column.from(['\ufeffa', 'b\ufeff', '\ufeff日本'])
    expect(column.get(0)).toBe('\ufeffa')
    expect(column.get(2)).toBe('\ufeff日本')
    expect(column.toValues()).toEqual(['\ufeffa', 'b\ufeff', '\ufeff日本'])
  })
})
