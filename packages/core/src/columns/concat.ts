import { allocBitmap, setBit, writeBits } from './bitmap.js'
import { BoolColumn } from './bool.js'
import { type ColumnData, dictionaryToUtf8, nullColumn } from './column-data.js'
import { DictionaryColumn } from './dictionary.js'
import { FIXED_ARRAYS, FixedColumn } from './fixed.js'
import { columnFromValues } from './from-values.js'
import { JsonColumn } from './json.js'
import type { Field } from './types.js'
import { Utf8Column } from './utf8.js'
import { VectorColumn } from './vector.js'

/**
 * Joins column parts end to end into one column laid out for `field`. `undefined` parts (a column
 * some batches lack) of the given lengths become nulls. Parts of one layout join buffer by buffer;
 * parts of different types (int32 and float64, say) are widened value by value.
 */
export function concatColumnData(
  parts: readonly (ColumnData | undefined)[],
  lengths: readonly number[],
  field: Field,
): ColumnData {
  const filled = parts.map((p, i) => p ?? nullColumn(field, lengths[i] ?? 0))
  if (filled.length > 1 && filled.every((p) => p.kind === 'dictionary') && !sameDictionary(filled)) {
    return joinDictionaries(filled as DictionaryColumn[])
  }
  const normalized = filled.map((p) =>
    p.kind === 'dictionary' && !sameDictionary(filled) ? dictionaryToUtf8(p) : p,
  )
  const first = normalized[0]
  if (first === undefined) return nullColumn(field, 0)
  if (normalized.length === 1 && first.type === field.type) return first
  if (normalized.every((p) => sameLayout(p, first)) && first.type === field.type) return joinSame(normalized)
  let total = 0
  for (const p of normalized) total += p.length
  const values: unknown[] = new Array(total)
  let k = 0
  for (const p of normalized) for (let i = 0; i < p.length; i++) values[k++] = p.get(i)
  return columnFromValues(values, field)
}

/**
 * Dictionary parts with different dictionaries (a batch that spans two Parquet row groups): the
 * dictionaries end to end, each part's indices shifted past the dictionaries before it. Cheaper than
 * gathering every value's bytes, and the result stays a dictionary column.
 */
function joinDictionaries(parts: readonly DictionaryColumn[]): DictionaryColumn {
  const dictionaries: Utf8Column[] = []
  const base = new Map<Utf8Column, number>()
  let size = 0
  for (const p of parts) {
    if (base.has(p.dictionary)) continue
    base.set(p.dictionary, size)
    dictionaries.push(p.dictionary)
    size += p.dictionary.length
  }
  const dictionary = joinSame(dictionaries) as Utf8Column
  let total = 0
  let nulls = 0
  for (const p of parts) {
    total += p.length
    nulls += p.nullCount
  }
  const indices = new Int32Array(total)
  let at = 0
  for (const p of parts) {
    const shift = base.get(p.dictionary) as number
    const src = p.indices
    if (shift === 0) indices.set(src, at)
    else for (let i = 0; i < p.length; i++) indices[at + i] = (src[i] as number) + shift
    at += p.length
  }
  return new DictionaryColumn(indices, dictionary, joinValidity(parts, total), nulls)
}

function sameDictionary(parts: readonly ColumnData[]): boolean {
  const first = parts[0]
  return (
    first?.kind === 'dictionary' &&
    parts.every((p) => p.kind === 'dictionary' && p.dictionary === first.dictionary)
  )
}

function sameLayout(a: ColumnData, b: ColumnData): boolean {
  if (a.kind !== b.kind || a.type !== b.type) return false
  if (a.kind === 'vector') return a.dimension === (b as VectorColumn).dimension
  if (a.kind === 'fixed') return a.unit === (b as FixedColumn).unit
  return true
}

/** The joined validity of parts, or undefined when none has a null. */
function joinValidity(parts: readonly ColumnData[], total: number): Uint8Array | undefined {
  if (parts.every((p) => p.validity === undefined)) return undefined
  const out = allocBitmap(total)
  let at = 0
  for (const p of parts) {
    if (p.validity) writeBits(out, at, p.validity, 0, p.length)
    else for (let i = 0; i < p.length; i++) setBit(out, at + i)
    at += p.length
  }
  return out
}

function joinSame(parts: readonly ColumnData[]): ColumnData {
  const first = parts[0] as ColumnData
  let total = 0
  let nulls = 0
  for (const p of parts) {
    total += p.length
    nulls += p.nullCount
  }
  const validity = joinValidity(parts, total)
  switch (first.kind) {
    case 'fixed': {
      const out = new FIXED_ARRAYS[first.type](total)
      let at = 0
      for (const p of parts as FixedColumn[]) {
        out.set(p.values as never, at)
        at += p.length
      }
      const options =
        first.unit === undefined
          ? {}
          : { unit: first.unit, ...(first.timezone ? { timezone: first.timezone } : {}) }
      return new FixedColumn(first.type, out, validity, { nullCount: nulls, ...options })
    }
    case 'bool': {
      const bits = allocBitmap(total)
      let at = 0
      for (const p of parts as BoolColumn[]) {
        writeBits(bits, at, p.bits, 0, p.length)
        at += p.length
      }
      return new BoolColumn(bits, total, validity, nulls)
    }
    case 'utf8': {
      const offsets = new Int32Array(total + 1)
      let byteTotal = 0
      for (const p of parts as Utf8Column[])
        byteTotal += (p.offsets[p.length] as number) - (p.offsets[0] as number)
      const bytes = new Uint8Array(byteTotal)
      let row = 0
      let at = 0
      for (const p of parts as Utf8Column[]) {
        const base = p.offsets[0] as number
        const end = p.offsets[p.length] as number
        bytes.set(p.bytes.subarray(base, end), at)
        for (let i = 1; i <= p.length; i++) offsets[row + i] = (p.offsets[i] as number) - base + at
        row += p.length
        at += end - base
      }
      return new Utf8Column(first.type, offsets, bytes, validity, nulls)
    }
    case 'dictionary': {
      const indices = new Int32Array(total)
      let at = 0
      for (const p of parts as DictionaryColumn[]) {
        indices.set(p.indices, at)
        at += p.length
      }
      return new DictionaryColumn(indices, first.dictionary, validity, nulls)
    }
    case 'vector': {
      const d = first.dimension
      const out = new Float32Array(total * d)
      let at = 0
      for (const p of parts as VectorColumn[]) {
        out.set(p.values, at * d)
        at += p.length
      }
      return new VectorColumn(out, d, validity, nulls)
    }
    case 'json': {
      const out: unknown[] = []
      for (const p of parts as JsonColumn[]) for (const v of p.values) out.push(v)
      return new JsonColumn(out, first.type)
    }
  }
}
