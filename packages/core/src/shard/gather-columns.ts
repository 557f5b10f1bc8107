import { BoolColumn } from '../columns/bool.js'
import type { ColumnData } from '../columns/column-data.js'
import { FixedColumn } from '../columns/fixed.js'
import { takeColumn, takeValues } from '../columns/take.js'
import { Utf8Column } from '../columns/utf8.js'

/**
 * The slots `indices` names, in that order, as a new column (the same rows `takeColumn` gives),
 * with the hot layouts of a shuffle gathered by tighter loops: one loop per typed-array type,
 * bitmaps read and written with inline bit operations a byte at a time, and string bytes copied
 * four at a time.
 */
export function gatherColumn(column: ColumnData, indices: Int32Array): ColumnData {
  switch (column.kind) {
    case 'fixed': {
      const options: { unit?: NonNullable<FixedColumn['unit']>; timezone?: string } = {}
      if (column.unit !== undefined) options.unit = column.unit
      if (column.timezone !== undefined) options.timezone = column.timezone
      return new FixedColumn(
        column.type,
        takeValues(column.values, indices),
        gatherValidity(column.validity, indices),
        options,
      )
    }
    case 'bool':
      return new BoolColumn(
        gatherBits(column.bits, indices),
        indices.length,
        gatherValidity(column.validity, indices),
      )
    case 'utf8':
      return gatherUtf8(column, indices)
    default:
      return takeColumn(column, indices)
  }
}

/** Bits `indices[i]` of an LSB bitmap, packed into a new bitmap (each output byte written once). */
export function gatherBits(bits: Uint8Array, indices: Int32Array): Uint8Array {
  const n = indices.length
  const out = new Uint8Array((n + 7) >>> 3)
  const whole = n & ~7
  for (let i = 0; i < whole; i += 8) {
    let byte = 0
    for (let j = 0; j < 8; j++) {
      const k = indices[i + j] as number
      byte |= (((bits[k >>> 3] as number) >>> (k & 7)) & 1) << j
    }
    out[i >>> 3] = byte
  }
  if (whole < n) {
    let byte = 0
    for (let i = whole; i < n; i++) {
      const k = indices[i] as number
      byte |= (((bits[k >>> 3] as number) >>> (k & 7)) & 1) << (i - whole)
    }
    out[whole >>> 3] = byte
  }
  return out
}

function gatherValidity(validity: Uint8Array | undefined, indices: Int32Array): Uint8Array | undefined {
  return validity === undefined ? undefined : gatherBits(validity, indices)
}

/**
 * The strings (or binary values) `indices` names: exact offsets first, then the bytes. A value is
 * copied four bytes at a time when both buffers extend past its rounded-up length; the extra bytes
 * land where the next values are written afterwards (values are written in order, and never past
 * the output's end), so the result is exact.
 */
function gatherUtf8(column: Utf8Column, indices: Int32Array): Utf8Column {
  const n = indices.length
  const { offsets, bytes } = column
  const outOffsets = new Int32Array(n + 1)
  let total = 0
  for (let i = 0; i < n; i++) {
    const k = indices[i] as number
    total += (offsets[k + 1] as number) - (offsets[k] as number)
    outOffsets[i + 1] = total
  }
  const outBytes = new Uint8Array(total)
  const dst = new DataView(outBytes.buffer)
  const src = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const srcLength = bytes.length
  let at = 0
  for (let i = 0; i < n; i++) {
    const k = indices[i] as number
    const start = offsets[k] as number
    const len = (offsets[k + 1] as number) - start
    const rounded = (len + 3) & ~3
    if (at + rounded <= total && start + rounded <= srcLength) {
      for (let b = 0; b < rounded; b += 4) dst.setUint32(at + b, src.getUint32(start + b))
    } else {
      for (let b = 0; b < len; b++) outBytes[at + b] = bytes[start + b] as number
    }
    at += len
  }
  return new Utf8Column(column.type, outOffsets, outBytes, gatherValidity(column.validity, indices))
}
