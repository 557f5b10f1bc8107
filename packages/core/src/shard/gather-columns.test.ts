import { describe, expect, it } from 'vitest'
import type { ColumnData } from '../columns/column-data.js'
import { DictionaryColumn } from '../columns/dictionary.js'
import { columnFromValues } from '../columns/from-values.js'
import { takeColumn } from '../columns/take.js'
import { Utf8Column } from '../columns/utf8.js'
import type { Field } from '../schema.js'
import { gatherBits, gatherColumn } from './gather-columns.js'
import { permutation } from './random.js'

function field(type: Field['type'], extra: Partial<Field> = {}): Field {
  return { name: 'c', type, nullable: true, ...extra }
}

/** Buffers and values of a column, compared exactly (validity bitmaps included). */
function layout(column: ColumnData): unknown {
  return {
    kind: column.kind,
    type: column.type,
    length: column.length,
    nullCount: column.nullCount,
    validity: column.validity === undefined ? undefined : Array.from(column.validity),
    values: Array.from({ length: column.length }, (_, i) => column.get(i)),
  }
}

const n = 301
const text = (i: number) => `${'ab'.repeat(i % 23)}${'é'.repeat(i % 3)}${i}`
const columns: [string, ColumnData][] = [
  [
    'int8',
    columnFromValues(
      Array.from({ length: n }, (_, i) => (i % 200) - 100),
      field('int8'),
    ),
  ],
  [
    'uint16 with nulls',
    columnFromValues(
      Array.from({ length: n }, (_, i) => (i % 9 === 0 ? null : i)),
      field('uint16'),
    ),
  ],
  [
    'int32',
    columnFromValues(
      Array.from({ length: n }, (_, i) => i * 7),
      field('int32', { nullable: false }),
    ),
  ],
  [
    'float32',
    columnFromValues(
      Array.from({ length: n }, (_, i) => i / 4),
      field('float32'),
    ),
  ],
  [
    'float64 with nulls',
    columnFromValues(
      Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : i * 0.5)),
      field('float64'),
    ),
  ],
  [
    'int64',
    columnFromValues(
      Array.from({ length: n }, (_, i) => BigInt(i) * 10_000_000_000n),
      field('int64'),
    ),
  ],
  [
    'timestamp',
    columnFromValues(
      Array.from({ length: n }, (_, i) => BigInt(i) * 1000n),
      field('timestamp', { unit: 'us', timezone: 'UTC' }),
    ),
  ],
  [
    'bool with nulls',
    columnFromValues(
      Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i % 3 === 0)),
      field('bool'),
    ),
  ],
  [
    'strings with nulls',
    Utf8Column.from(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : text(i)))),
  ],
  [
    'empty and long strings',
    Utf8Column.from(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? '' : 'x'.repeat(i)))),
  ],
  // a slice: offsets that do not start at 0 and bytes that are a view past the values it names
  ['sliced strings', Utf8Column.from(Array.from({ length: n + 20 }, (_, i) => text(i))).slice(10, n + 10)],
  [
    'dictionary',
    new DictionaryColumn(
      Int32Array.from({ length: n }, (_, i) => i % 3),
      Utf8Column.from(['p', 'q', 'r']),
      Uint8Array.from({ length: Math.ceil(n / 8) }, () => 0b11101111),
    ),
  ],
]

describe('gatherColumn', () => {
  for (const [name, column] of columns) {
    it(`gives what takeColumn gives: ${name}`, () => {
      const order = permutation(column.length, name)
      for (const indices of [
        order,
        order.subarray(0, 1),
        order.subarray(3, 20),
        order.subarray(0, 0),
        Int32Array.of(n - 1, n - 1, 0),
      ]) {
        expect(layout(gatherColumn(column, indices))).toEqual(layout(takeColumn(column, indices)))
      }
    })
  }

  it('gathers bits of any position into whole output bytes and a partial last byte', () => {
    const bits = Uint8Array.of(0b10110010, 0b00000001, 0b11111111)
    const got = gatherBits(bits, Int32Array.of(0, 1, 4, 5, 7, 8, 9, 23, 22, 6, 1))
    // bits 0..10 in output order: 0 1 1 1 1 1 0 1 | 1 0 1
    expect(Array.from(got)).toEqual([0b10111110, 0b101])
  })
})
