import { describe, expect, it } from 'vitest'
import { DictionaryColumn } from '../columns/dictionary.js'
import { Utf8Column } from '../columns/utf8.js'
import { VectorColumn } from '../columns/vector.js'
import { RecordBatch } from '../record-batch.js'
import type { Field } from '../schema.js'
import { BlockRows } from './gather.js'
import { permutation } from './random.js'
import { takeRows } from './take-rows.js'

function part(start: number, n: number, dictionary?: Utf8Column): RecordBatch {
  const ids = Array.from({ length: n }, (_, i) => start + i)
  const columns: Record<string, unknown> = {
    int: Int32Array.from(ids),
    nullable: ids.map((i) => (i % 4 === 0 ? null : i * 0.5)),
    big: BigInt64Array.from(ids, (i) => BigInt(i) * 10_000_000_000n),
    text: ids.map((i) => (i % 5 === 0 ? null : `value ${'é'.repeat(i % 30)} ${i}`)),
    flag: ids.map((i) => (i % 7 === 0 ? null : i % 2 === 0)),
  }
  const batch = RecordBatch.fromColumns(columns as Record<string, Int32Array>)
  if (dictionary === undefined) return batch
  const schema: Field[] = [...batch.schema, { name: 'tag', type: 'string', nullable: false }]
  const tag = new DictionaryColumn(
    Int32Array.from(ids, (i) => i % dictionary.length),
    dictionary,
  )
  return RecordBatch.fromData(schema, [...batch.columns(), tag])
}

describe('BlockRows', () => {
  it('gathers rows of several parts in any order, as joining then taking does', () => {
    const parts = [part(0, 37), part(37, 1), part(38, 100)]
    const block = new BlockRows(parts)
    const order = permutation(block.rows, 'test')
    const joined = RecordBatch.concat(parts)
    for (const [from, to] of [
      [0, 138],
      [5, 40],
      [137, 138],
    ] as const) {
      const got = block.take(order, from, to)
      expect(got.rows()).toEqual(takeRows(joined, order.subarray(from, to)).rows())
      expect(got.schema.map((f) => f.type)).toEqual(joined.schema.map((f) => f.type))
    }
  })

  it('joins first the layouts it cannot gather in place (dictionaries of different parts, vectors)', () => {
    const a = Utf8Column.from(['x', 'y'])
    const b = Utf8Column.from(['p', 'q', 'r'])
    const parts = [part(0, 20, a), part(20, 30, b)]
    const block = new BlockRows(parts)
    const order = permutation(block.rows, 'dict')
    expect(block.take(order, 0, 50).rows()).toEqual(takeRows(RecordBatch.concat(parts), order).rows())
    const vectors = [0, 1].map((p) =>
      RecordBatch.fromData(
        [{ name: 'v', type: 'vector', nullable: false, dimension: 2 }],
        [
          new VectorColumn(
            Float32Array.from({ length: 8 }, (_, i) => p * 8 + i),
            2,
          ),
        ],
      ),
    )
    const v = new BlockRows(vectors).take(Int32Array.of(7, 0, 4), 0, 3)
    expect(Array.from(v.column('v') as Float32Array)).toEqual([14, 15, 0, 1, 8, 9])
  })
})
