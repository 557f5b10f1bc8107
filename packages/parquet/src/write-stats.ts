import type { SchemaElement } from 'hyparquet'
import type { WriteSource } from './write-source.js'

/**
 * The bounds of a page's valid values in Parquet's order (unsigned integers unsigned, byte arrays
 * by bytes, NaN left out), as the JS values hyparquet-writer's statistics encoder takes.
 */
export interface Bound {
  min: unknown
  max: unknown
  nulls: number
  /** Every row of the page is null. */
  nullPage?: boolean
  less: (a: unknown, b: unknown) => boolean
}

const lessValue = (a: unknown, b: unknown) => (a as number) < (b as number)

function lessBytes(a: unknown, b: unknown): boolean {
  const x = a as Uint8Array
  const y = b as Uint8Array
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return (x[i] as number) < (y[i] as number)
  return x.length < y.length
}

/** Bounds of rows `[a, b)`. */
export function pageBounds(
  source: WriteSource,
  validity: Uint8Array | undefined,
  a: number,
  b: number,
  element: SchemaElement,
): Bound {
  const valid = (i: number) => !validity || (((validity[i >>> 3] as number) >>> (i & 7)) & 1) === 1
  let nulls = 0
  let min: unknown
  let max: unknown
  let less = lessValue
  const see = (v: unknown) => {
    if (min === undefined || less(v, min)) min = v
    if (max === undefined || less(max, v)) max = v
  }
  switch (source.kind) {
    case 'null':
      nulls = b - a
      break
    case 'vector':
      break
    case 'bool': {
      const bits = source.bits
      for (let i = a; i < b; i++) {
        if (!valid(i)) nulls++
        else see((((bits[i >>> 3] as number) >>> (i & 7)) & 1) === 1)
      }
      less = (x, y) => x === false && y === true
      break
    }
    case 'binary': {
      less = lessBytes
      const { offsets, bytes, indices } = source
      const json = element.converted_type === 'JSON'
      let lo = -1
      let hi = -1
      const at = (v: number) => bytes.subarray(offsets[v] as number, offsets[v + 1] as number)
      for (let i = a; i < b; i++) {
        if (!valid(i)) {
          nulls++
          continue
        }
        if (json) continue
        const v = indices ? (indices[i] as number) : i
        if (lo < 0 || lessBytes(at(v), at(lo))) lo = v
        if (hi < 0 || lessBytes(at(hi), at(v))) hi = v
      }
      if (lo >= 0) {
        min = at(lo).slice()
        max = at(hi).slice()
      }
      break
    }
    case 'fixed': {
      const { words, width } = source
      const type = element.type
      if (width === 4 || type === 'DOUBLE') {
        const values =
          type === 'FLOAT'
            ? new Float32Array(words.buffer, words.byteOffset, words.length)
            : type === 'DOUBLE'
              ? new Float64Array(words.buffer, words.byteOffset, words.length >>> 1)
              : element.converted_type === 'UINT_32'
                ? new Uint32Array(words.buffer, words.byteOffset, words.length)
                : words
        let lo = Number.POSITIVE_INFINITY
        let hi = Number.NEGATIVE_INFINITY
        for (let i = a; i < b; i++) {
          if (!valid(i)) {
            nulls++
            continue
          }
          const v = values[i] as number
          if (v < lo) lo = v
          if (v > hi) hi = v
        }
        if (lo <= hi) {
          // a zero bound is written as -0 (min) and +0 (max), as the format asks (NaN left out)
          min = lo === 0 ? -0 : lo
          max = hi === 0 ? 0 : hi
        }
      } else {
        const values =
          element.converted_type === 'UINT_64'
            ? new BigUint64Array(words.buffer, words.byteOffset, words.length >>> 1)
            : new BigInt64Array(words.buffer, words.byteOffset, words.length >>> 1)
        for (let i = a; i < b; i++) {
          if (!valid(i)) nulls++
          else see(values[i])
        }
      }
      break
    }
  }
  return { min, max, nulls, nullPage: nulls === b - a && b > a, less }
}
