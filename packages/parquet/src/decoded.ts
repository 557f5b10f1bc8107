import type { DecodedArray } from 'hyparquet'

type TypedArray = Exclude<DecodedArray, unknown[]>
type TypedConstructor = new (length: number) => TypedArray

/** Values `[start, end)`: a view of a typed array, a copy of a plain one, the array itself when whole. */
export function sliceDecoded(values: DecodedArray, start: number, end: number): DecodedArray {
  if (start === 0 && end === values.length) return values
  return Array.isArray(values) ? values.slice(start, end) : (values as TypedArray).subarray(start, end)
}

/** Joins decoded parts end to end; typed parts of one kind stay typed. */
export function concatDecoded(parts: readonly DecodedArray[]): DecodedArray {
  const first = parts[0]
  if (first === undefined) return []
  let total = 0
  for (const p of parts) total += p.length
  if (!Array.isArray(first) && parts.every((p) => p.constructor === first.constructor)) {
    const out = new (first.constructor as TypedConstructor)(total)
    let offset = 0
    for (const p of parts as TypedArray[]) {
      out.set(p as never, offset)
      offset += p.length
    }
    return out
  }
  const out: unknown[] = new Array(total)
  let k = 0
  for (const p of parts) for (let i = 0; i < p.length; i++) out[k++] = p[i]
  return out
}
