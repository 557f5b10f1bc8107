import {
  Field as ArrowField,
  type Data,
  FixedSizeList,
  Float32,
  Float64,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow'
import { describe, expect, it } from 'vitest'
import { fromArrow, toArrow, toArrowTable } from '../arrow.js'
import { DictionaryColumn } from '../columns/dictionary.js'
import type { FixedColumn } from '../columns/fixed.js'
import { Utf8Column } from '../columns/utf8.js'
import type { VectorColumn } from '../columns/vector.js'
import { RecordBatch } from '../record-batch.js'

function sample(): RecordBatch {
  const n = 50
  return RecordBatch.fromColumns(
    {
      i8: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : (i % 100) - 50)),
      i32: Int32Array.from({ length: n }, (_, i) => i * 3),
      i64: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : BigInt(i) * 10_000_000_000n)),
      u16: Uint16Array.from({ length: n }, (_, i) => i),
      f32: Float32Array.from({ length: n }, (_, i) => i / 4),
      f64: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i + 0.5)),
      flag: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i % 2 === 0)),
      name: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : `name ${i} — ✓`)),
      blob: Array.from({ length: n }, (_, i) => Uint8Array.of(i, i + 1)),
      day: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i))),
      at: Array.from({ length: n }, (_, i) => (i === 1 ? null : new Date(Date.UTC(2024, 0, 1, 0, 0, i)))),
      emb: Array.from({ length: n }, (_, i) => (i === 2 ? null : Float32Array.of(i, -i, i / 2))),
      meta: Array.from({ length: n }, (_, i) => (i % 6 === 0 ? null : { i, tags: ['a', String(i)] })),
    },
    [
      { name: 'i8', type: 'int8', nullable: true },
      { name: 'i32', type: 'int32', nullable: false },
      { name: 'i64', type: 'int64', nullable: true },
      { name: 'u16', type: 'uint16', nullable: false },
      { name: 'f32', type: 'float32', nullable: false },
      { name: 'f64', type: 'float64', nullable: true },
      { name: 'flag', type: 'bool', nullable: true },
      { name: 'name', type: 'string', nullable: true },
      { name: 'blob', type: 'binary', nullable: false },
      { name: 'day', type: 'date', nullable: false },
      { name: 'at', type: 'timestamp', nullable: true, unit: 'us', timezone: 'UTC' },
      { name: 'emb', type: 'vector', nullable: true, dimension: 3 },
      { name: 'meta', type: 'json', nullable: true },
    ],
  )
}

const plainRows = (batch: RecordBatch) =>
  batch
    .rows()
    .map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, ArrayBuffer.isView(v) ? [...(v as Uint8Array)] : v]),
      ),
    )

describe('Arrow interop', () => {
  it('round-trips every type through Arrow IPC, nulls included', () => {
    const batch = sample()
    const ipc = tableToIPC(new Table(toArrow(batch)))
    const back = fromArrow(tableFromIPC(ipc))
    expect(back.schema).toEqual(batch.schema)
    expect(plainRows(back)).toEqual(plainRows(batch))
    for (const name of batch.columnNames) expect(back.data(name).nullCount).toBe(batch.data(name).nullCount)
  })

  it('hands Arrow the same memory, not copies', () => {
    const batch = sample()
    const out = toArrow(batch)
    const same = (name: string, pick: (d: ReturnType<typeof batch.data>) => ArrayBufferView) => {
      const data = out.getChild(name)?.data[0] as {
        values: ArrayBufferView
        nullBitmap: Uint8Array
        valueOffsets: Int32Array
        children: { values: ArrayBufferView }[]
      }
      return { data, ours: pick(batch.data(name)) }
    }
    const i32 = same('i32', (d) => d.toValues() as Int32Array)
    expect(i32.data.values).toBe(i32.ours)
    const f64 = same('f64', (d) => d.validity as Uint8Array)
    expect(f64.data.nullBitmap.buffer).toBe(f64.ours.buffer)
    const name = batch.data('name') as Utf8Column
    const arrowName = out.getChild('name')?.data[0] as unknown as {
      values: Uint8Array
      valueOffsets: Int32Array
    }
    expect(arrowName.values.buffer).toBe(name.bytes.buffer)
    expect(arrowName.valueOffsets.buffer).toBe(name.offsets.buffer)
    const emb = out.getChild('emb')?.data[0] as unknown as { children: { values: Float32Array }[] }
    expect(emb.children[0]?.values.buffer).toBe((batch.column('emb') as Float32Array).buffer)
    expect(out.getChild('i8')?.get(1)).toBe(-49)
    expect(out.getChild('i8')?.get(0)).toBeNull()
  })

  it('takes Arrow memory without copying: values, offsets, validity and vector values', () => {
    const strings = ['a', null, 'bb', 'ccc', null, 'dddd', 'e', 'ff', 'g', 'hh']
    const s = vectorFromArray(strings, new Utf8())
    const embType = new FixedSizeList(2, new ArrowField('item', new Float32(), false))
    const emb = vectorFromArray(
      strings.map((_, i) => (i === 3 ? null : [i, -i])),
      embType,
    )
    const x = vectorFromArray(
      strings.map((v, i) => (v === null ? null : i + 0.5)),
      new Float64(),
    )
    const table = new Table({ s, emb, x })
    const batch = fromArrow(table)
    const sameMemory = (ours: ArrayBufferView | undefined, theirs: ArrayBufferView | undefined) => {
      expect(ours).toBeDefined()
      expect(theirs).toBeDefined()
      expect(ours?.buffer).toBe(theirs?.buffer)
      expect(ours?.byteOffset).toBe(theirs?.byteOffset)
    }
    const arrowS = s.data[0] as Data<Utf8>
    const ourS = batch.data('s')
    expect(ourS.kind).toBe('utf8')
    const utf8 = ourS as Utf8Column
    sameMemory(utf8.bytes, arrowS.values)
    sameMemory(utf8.offsets, arrowS.valueOffsets)
    sameMemory(utf8.validity, arrowS.nullBitmap)
    expect(batch.column('s')).toEqual(strings)

    const arrowX = x.data[0] as Data<Float64>
    const ourX = batch.data('x') as FixedColumn
    sameMemory(ourX.values, arrowX.values)
    sameMemory(ourX.validity, arrowX.nullBitmap)

    const arrowEmb = emb.data[0] as Data<FixedSizeList<Float32>>
    const ourEmb = batch.data('emb')
    expect(ourEmb.kind).toBe('vector')
    const vector = ourEmb as VectorColumn
    expect(vector.dimension).toBe(2)
    sameMemory(vector.values, arrowEmb.children[0]?.values)
    sameMemory(vector.validity, arrowEmb.nullBitmap)
    expect(vector.get(3)).toBeNull()
    expect([...(vector.get(5) as Float32Array)]).toEqual([5, -5])
  })

  it('keeps dictionary columns as indices + dictionary both ways', () => {
    const dict = new DictionaryColumn(Int32Array.of(0, 1, 1, 0), Utf8Column.from(['lo', 'hi']))
    const batch = RecordBatch.fromData([{ name: 'level', type: 'string', nullable: false }], [dict])
    const back = fromArrow(tableFromIPC(tableToIPC(new Table(toArrow(batch)))))
    expect(back.data('level').kind).toBe('dictionary')
    expect(back.column('level')).toEqual(['lo', 'hi', 'hi', 'lo'])
  })

  it('joins a table of several Arrow batches, and reads sliced Arrow data at its offset', () => {
    const a = sample().slice(0, 20)
    const b = sample().slice(20)
    const table = toArrowTable([a, b])
    expect(table.batches).toHaveLength(2)
    expect(plainRows(fromArrow(table))).toEqual(plainRows(sample()))
    const sliced = new Table(toArrow(sample())).slice(3, 17)
    expect(plainRows(fromArrow(sliced))).toEqual(plainRows(sample().slice(3, 17)))
  })
})
