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
      const src = column.values
      const out = new (src.constructor as new (length: number) => TypedColumn)(n)
      if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
        const from = src as BigInt64Array | BigUint64Array
        for (let i = 0; i < n; i++) out[i] = from[indices[i] as number] as bigint
      } else {
        const from = src as Float64Array
        const to = out as Float64Array
        for (let i = 0; i < n; i++) to[i] = from[indices[i] as number] as number
      }
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
      let total = 0
      for (let i = 0; i < n; i++) {
        const k = indices[i] as number
        total += (offsets[k + 1] as number) - (offsets[k] as number)
        outOffsets[i + 1] = total
      }
      const outBytes = new Uint8Array(total)
      for (let i = 0; i < n; i++) {
        const k = indices[i] as number
        const start = offsets[k] as number
        const end = offsets[k + 1] as number
        const at = outOffsets[i] as number
        // short values copy faster by hand than through a subarray view
        if (end - start <= 16) for (let b = start; b < end; b++) outBytes[at + b - start] = bytes[b] as number
        else outBytes.set(bytes.subarray(start, end), at)
      }
      return new Utf8Column(column.type, outOffsets, outBytes, validity)
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

function takeValidity(validity: Uint8Array | undefined, indices: Int32Array): Uint8Array | undefined {
  if (validity === undefined) return undefined
  const out = allocBitmap(indices.length)
  for (let i = 0; i < indices.length; i++) if (getBit(validity, indices[i] as number) === 1) setBit(out, i)
  return out
}
