/**
 * Consumers that touch every value, one per output form, doing the same work: numbers summed (int64
 * through their 32-bit halves, never as BigInts), string lengths summed (from offsets, or from a
 * dictionary's offsets through the indices), trues counted.
 */
import type { ColumnData, RecordBatch } from '@sd/core'
import type { RecordBatch as ArrowBatch, Data } from 'apache-arrow'

const POPCOUNT = new Uint8Array(256)
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + (POPCOUNT[i >>> 1] as number)

function sumFixed(values: ArrayLike<number> | BigInt64Array | BigUint64Array): number {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2)
    let s = 0
    for (let i = 0; i < words.length; i += 2)
      s += (words[i] as number) + (words[i + 1] as number) * 4294967296
    return s
  }
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i] as number
  return s
}

function countBits(bits: Uint8Array, offset: number, length: number): number {
  let n = 0
  const first = offset >>> 3
  const end = (offset + length + 7) >>> 3
  for (let b = first; b < end; b++) n += POPCOUNT[bits[b] as number] as number
  return n
}

function lengths(offsets: Int32Array, from: number, to: number): number {
  let s = 0
  for (let i = from; i < to; i++) s += (offsets[i + 1] as number) - (offsets[i] as number)
  return s
}

function dictLengths(indices: ArrayLike<number>, offsets: Int32Array): number {
  let s = 0
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i] as number
    s += (offsets[k + 1] as number) - (offsets[k] as number)
  }
  return s
}

/** One sd column. */
export function consumeColumn(d: ColumnData): number {
  switch (d.kind) {
    case 'fixed':
      return sumFixed(d.values)
    case 'bool':
      return countBits(d.bits, 0, d.length)
    case 'utf8':
      return lengths(d.offsets, 0, d.length)
    case 'dictionary':
      return dictLengths(d.indices, d.dictionary.offsets)
    case 'vector':
      return sumFixed(d.values)
    case 'json':
      return d.values.length
  }
}

/** Every column of an sd batch. */
export function consumeBatch(batch: RecordBatch): number {
  let s = 0
  for (const d of batch.columns()) s += consumeColumn(d)
  return s
}

/** One Arrow column chunk (apache-arrow `Data`). */
function consumeData(data: Data): number {
  const dictionary = data.dictionary
  if (dictionary) {
    const dictData = dictionary.data[0] as Data
    return dictLengths(data.values as ArrayLike<number>, dictData.valueOffsets as Int32Array)
  }
  if (data.valueOffsets && data.values instanceof Uint8Array) {
    return lengths(data.valueOffsets as Int32Array, data.offset, data.offset + data.length)
  }
  // booleans: bit-packed values
  if (String(data.type) === 'Bool') return countBits(data.values as Uint8Array, data.offset, data.length)
  return sumFixed(data.values as ArrayLike<number>)
}

/** Every column of an Arrow record batch. */
export function consumeArrow(batch: ArrowBatch): number {
  let s = 0
  for (let c = 0; c < batch.numCols; c++)
    for (const data of batch.getChildAt(c)?.data ?? []) s += consumeData(data)
  return s
}

/** A column of JS values (DuckDB chunks, hyparquet chunks). */
export function consumeValues(values: ArrayLike<unknown>): number {
  if (ArrayBuffer.isView(values)) return sumFixed(values as unknown as ArrayLike<number>)
  let s = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v === 'number') s += v
    else if (typeof v === 'bigint') s += Number(v)
    else if (typeof v === 'string') s += v.length
    else if (v === true) s++
  }
  return s
}
