import { describe, expect, it } from 'vitest'
import { BoolColumn } from './bool.js'
import { DictionaryColumn } from './dictionary.js'
import { FixedColumn } from './fixed.js'
import { JsonColumn } from './json.js'
import { Utf8Column } from './utf8.js'
import { valueText } from './value-text.js'
import { VectorColumn } from './vector.js'

const all = (data: Parameters<typeof valueText>[0]) => {
  const text = valueText(data)
  return Array.from({ length: data.length }, (_, i) => text(i))
}

describe('valueText', () => {
  it('prints numbers exactly, int64 with every digit', () => {
    expect(all(new FixedColumn('float64', Float64Array.of(0.1, 1e21, Number.NaN, -0.5)))).toEqual([
      '0.1',
      '1e+21',
      'NaN',
      '-0.5',
    ])
    expect(all(new FixedColumn('int64', BigInt64Array.of(2n ** 62n, -1n)))).toEqual([
      '4611686018427387904',
      '-1',
    ])
  })

  it('prints dates and timestamps as ISO 8601 with the digits of their unit', () => {
    expect(all(new FixedColumn('date', Int32Array.of(19_723)))).toEqual(['2024-01-01'])
    const ts = new FixedColumn('timestamp', BigInt64Array.of(1_704_067_200_000_000_123n), undefined, {
      unit: 'ns',
    })
    expect(all(ts)).toEqual(['2024-01-01T00:00:00.000000123Z'])
  })

  it('prints booleans, strings, binary as base64, dictionaries, vectors and JSON', () => {
    expect(all(new BoolColumn(Uint8Array.of(0b01), 2))).toEqual(['true', 'false'])
    expect(all(Utf8Column.from(['a,b', 'é']))).toEqual(['a,b', 'é'])
    const binary = new Utf8Column('binary', Int32Array.of(0, 3), Uint8Array.of(1, 2, 255))
    expect(all(binary)).toEqual(['AQL/'])
    const dict = new DictionaryColumn(Int32Array.of(1, 0), Utf8Column.from(['x', 'y']))
    expect(all(dict)).toEqual(['y', 'x'])
    expect(all(new VectorColumn(Float32Array.of(1, 0.5, -2, 0), 2))).toEqual(['[1,0.5]', '[-2,0]'])
    expect(all(new JsonColumn([{ a: [1, 'x'], n: 5n }]))).toEqual(['{"a":[1,"x"],"n":"5"}'])
  })
})
