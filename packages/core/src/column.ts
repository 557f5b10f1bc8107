import { type Column, type Field, isTypedColumn, type TypedColumn } from './schema.js'

type TypedArrayConstructor = {
  new (length: number): TypedColumn
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedColumn
}

/**
 * Builds a column from plain values, in a typed array when the field's type allows it and no value
 * is null: `int32` → `Int32Array`, `float64` → `Float64Array`, `float32` → `Float32Array`,
 * `int64` of bigints → `BigInt64Array`. Everything else stays a plain array.
 */
export function columnFromValues(values: unknown[], field: Field): Column {
  if (field.nullable) return values
  switch (field.type) {
    case 'int32':
      return allNumbers(values) ? Int32Array.from(values as number[]) : values
    case 'float64':
      return allNumbers(values) ? Float64Array.from(values as number[]) : values
    case 'float32':
      return allNumbers(values) ? Float32Array.from(values as number[]) : values
    case 'int64':
      return allBigInts(values) ? BigInt64Array.from(values as bigint[]) : values
    default:
      return values
  }
}

function allNumbers(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'number') return false
  return true
}

function allBigInts(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'bigint') return false
  return true
}

/** Rows `[start, end)` of a column: a zero-copy view for typed arrays, a copy for plain arrays. */
export function sliceColumn(column: Column, start: number, end: number): Column {
  return isTypedColumn(column) ? column.subarray(start, end) : column.slice(start, end)
}

/** The rows of `column` whose `mask` entry is truthy; `count` is the number of such rows. */
export function filterColumn(column: Column, mask: ArrayLike<unknown>, count: number): Column {
  if (isTypedColumn(column)) {
    const Ctor = column.constructor as TypedArrayConstructor
    const out = new Ctor(count)
    let j = 0
    for (let i = 0; i < mask.length; i++) if (mask[i]) out[j++] = column[i] as never
    return out
  }
  const out: unknown[] = new Array(count)
  let j = 0
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[j++] = column[i]
  return out
}

/**
 * Joins column parts end to end. Parts that are all typed arrays of one kind join into that kind;
 * otherwise the result is a plain array. `undefined` parts (a column missing from a batch) of the
 * given lengths become nulls.
 */
export function concatColumns(parts: (Column | undefined)[], lengths: number[]): Column {
  const first = parts[0]
  if (first !== undefined && isTypedColumn(first)) {
    const Ctor = first.constructor
    if (parts.every((p) => p !== undefined && p.constructor === Ctor)) {
      const total = lengths.reduce((a, b) => a + b, 0)
      const out = new (Ctor as TypedArrayConstructor)(total)
      let offset = 0
      for (const part of parts as TypedColumn[]) {
        out.set(part as never, offset)
        offset += part.length
      }
      return out
    }
  }
  const out: unknown[] = []
  parts.forEach((part, i) => {
    if (part === undefined) {
      for (let k = 0; k < (lengths[i] ?? 0); k++) out.push(null)
    } else if (isTypedColumn(part)) {
      for (let k = 0; k < part.length; k++) out.push(part[k])
    } else {
      for (let k = 0; k < part.length; k++) out.push(part[k])
    }
  })
  return out
}

const SAMPLE = 32

/** Estimated in-memory bytes of one value (strings count one byte per character plus a header). */
export function estimateValueBytes(value: unknown): number {
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return 8
    case 'boolean':
      return 4
    case 'string':
      return 16 + value.length
    case 'object': {
      if (value === null) return 4
      if (ArrayBuffer.isView(value)) return 64 + value.byteLength
      if (value instanceof Date) return 32
      try {
        return 32 + (JSON.stringify(value, jsonSafe)?.length ?? 0)
      } catch {
        return 1024
      }
    }
    default:
      return 8
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/** Estimated bytes of a column: exact for typed arrays, sampled for plain arrays. */
export function estimateColumnBytes(column: Column): number {
  if (isTypedColumn(column)) return column.byteLength
  const n = column.length
  if (n === 0) return 0
  const step = Math.max(1, Math.floor(n / SAMPLE))
  let sum = 0
  let count = 0
  for (let i = 0; i < n && count < SAMPLE; i += step, count++) sum += estimateValueBytes(column[i])
  return Math.round((sum / count) * n) + 8 * n
}

/** Estimated bytes of row objects, from a sample of them. */
export function estimateRowBytes(rows: readonly Record<string, unknown>[]): number {
  const n = rows.length
  if (n === 0) return 0
  const step = Math.max(1, Math.floor(n / SAMPLE))
  let sum = 0
  let count = 0
  for (let i = 0; i < n && count < SAMPLE; i += step, count++) {
    const row = rows[i] as Record<string, unknown>
    sum += 32
    for (const key in row) sum += 8 + estimateValueBytes(row[key])
  }
  return Math.round((sum / count) * n)
}
