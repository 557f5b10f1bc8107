import { allocBitmap, getBit, setBit } from './bitmap.js'
import { BoolColumn } from './bool.js'
import type { ColumnData } from './column-data.js'
import { DictionaryColumn } from './dictionary.js'
import { FixedColumn } from './fixed.js'
import { JsonColumn } from './json.js'
import type { TypedColumn } from './types.js'
import { Utf8Column } from './utf8.js'
import { VectorColumn } from './vector.js'

/**
 * The slots `indices` names, in that order (a gather, as Arrow's `take`): a new column in the same
 * layout, buffers copied. Every index must be in `[0, column.length)`.
 */
export function takeColumn(column: ColumnData, indices: Int32Array): ColumnData {
  const n = indices.length
  const validity = takeValidity(column.validity, indices)
  switch (column.kind) {
    case 'fixed': {
      const out = takeValues(column.values, indices)
      const options: { unit?: NonNullable<FixedColumn['unit']>; timezone?: string } = {}
      if (column.unit !== undefined) options.unit = column.unit
      if (column.timezone !== undefined) options.timezone = column.timezone
      return new FixedColumn(column.type, out, validity, options)
    }
    case 'bool': {
      const bits = allocBitmap(n)
      for (let i = 0; i < n; i++) if (getBit(column.bits, indices[i] as number) === 1) setBit(bits, i)
      return new BoolColumn(bits, n, validity)
    }
    case 'utf8': {
      const { offsets, bytes } = column
      const outOffsets = new Int32Array(n + 1)
      // one pass: the selected values fit in the bytes the column spans (all of them for a
      // permutation of every row), so copy first and cut the buffer to size after
      const span = (offsets[column.length] as number) - (offsets[0] as number)
      let outBytes = new Uint8Array(
        n === column.length ? span : Math.min(span, estimateBytes(column, indices)),
      )
      let at = 0
      for (let i = 0; i < n; i++) {
        const k = indices[i] as number
        const start = offsets[k] as number
        const end = offsets[k + 1] as number
        const len = end - start
        if (at + len > outBytes.length) outBytes = grow(outBytes, at + len)
        if (len <= 16) for (let b = start; b < end; b++) outBytes[at++] = bytes[b] as number
        else {
          outBytes.set(bytes.subarray(start, end), at)
          at += len
        }
        outOffsets[i + 1] = at
      }
      return new Utf8Column(
        column.type,
        outOffsets,
        outBytes.length === at ? outBytes : outBytes.slice(0, at),
        validity,
      )
    }
    case 'dictionary': {
      const out = new Int32Array(n)
      for (let i = 0; i < n; i++) out[i] = column.indices[indices[i] as number] as number
      return new DictionaryColumn(out, column.dictionary, validity)
    }
    case 'vector': {
      const d = column.dimension
      const out = new Float32Array(n * d)
      for (let i = 0; i < n; i++) {
        const k = indices[i] as number
        out.set(column.values.subarray(k * d, k * d + d), i * d)
      }
      return new VectorColumn(out, d, validity)
    }
    case 'json': {
      const out = new Array<unknown>(n)
      for (let i = 0; i < n; i++) out[i] = column.values[indices[i] as number] ?? null
      return new JsonColumn(out, column.type)
    }
  }
}

/**
 * `values[indices[i]]` for every `i`, with one loop per array type: each loop sees a single typed
 * array type, which keeps its element accesses monomorphic (several times faster than one loop
 * over any type).
 */
export function takeValues(values: TypedColumn, indices: Int32Array): TypedColumn {
  const n = indices.length
  if (values instanceof Float64Array) {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = values[indices[i] as number] as number
    return out
  }
  if (values instanceof Int32Array) {
    const out = new Int32Array(n)
    for (let i = 0; i < n; i++) out[i] = values[indices[i] as number] as number
    return out
  }
  if (values instanceof BigInt64Array) {
    const out = new BigInt64Array(n)
    for (let i = 0; i < n; i++) out[i] = values[indices[i] as number] as bigint
    return out
  }
  if (values instanceof Float32Array) {
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = values[indices[i] as number] as number
    return out
  }
  if (values instanceof BigUint64Array) {
    const out = new BigUint64Array(n)
    for (let i = 0; i < n; i++) out[i] = values[indices[i] as number] as bigint
    return out
  }
  const from = values as Uint8Array
  const out = new (values.constructor as new (length: number) => Uint8Array)(n)
  for (let i = 0; i < n; i++) out[i] = from[indices[i] as number] as number
  return out
}

/** A first guess at the bytes of the values `indices` selects: their share of the column's bytes. */
function estimateBytes(column: Utf8Column, indices: Int32Array): number {
  const span = (column.offsets[column.length] as number) - (column.offsets[0] as number)
  return column.length === 0 ? 0 : Math.ceil((span * indices.length) / column.length) + 64
}

function grow(bytes: Uint8Array, need: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.max(need, bytes.length * 2))
  out.set(bytes)
  return out
}

function takeValidity(validity: Uint8Array | undefined, indices: Int32Array): Uint8Array | undefined {
  if (validity === undefined) return undefined
  const out = allocBitmap(indices.length)
  for (let i = 0; i < indices.length; i++) if (getBit(validity, indices[i] as number) === 1) setBit(out, i)
  return out
}
