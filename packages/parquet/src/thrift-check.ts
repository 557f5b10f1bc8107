/**
 * A strict reading of Thrift's compact protocol against the Parquet structures, as Apache
 * Thrift's generated readers (DuckDB's, arrow-cpp's) do it: a field of a known id must have its
 * declared type (else it is skipped, as an unknown field), required fields must be present, types
 * must be defined, sizes non-negative and inside the bytes, varints at most 10 bytes. hyparquet's
 * parser is lenient about all of these; a footer or page header that fails here is corrupt.
 */

type T = 'bool' | 'i8' | 'i16' | 'i32' | 'i64' | 'double' | 'binary' | 'list' | 'struct'

/** A field: its type, whether it is required, and the shape of a struct or list element. */
interface FieldSpec {
  type: T
  required?: boolean
  struct?: StructSpec
  /** An enum (i32): its largest value (0 is the smallest). */
  max?: number
  /** Element of a list. */
  elem?: { type: T; struct?: StructSpec; max?: number }
}
type StructSpec = Record<number, FieldSpec>

const COMPACT: Record<T, number[]> = {
  bool: [1, 2],
  i8: [3],
  i16: [4],
  i32: [5],
  i64: [6],
  double: [7],
  binary: [8],
  list: [9],
  struct: [12],
}

const req = (type: T, more: Partial<FieldSpec> = {}): FieldSpec => ({ type, required: true, ...more })
const opt = (type: T, more: Partial<FieldSpec> = {}): FieldSpec => ({ type, ...more })

/** The largest value of each Parquet enum. */
const TYPE = 7
const REPETITION = 2
const CONVERTED = 21
const ENCODING = 9
const CODEC = 7
const PAGE_TYPE = 3
const enumOf = (max: number, required = true): FieldSpec => ({ type: 'i32', required, max })

const STATISTICS: StructSpec = {
  1: opt('binary'),
  2: opt('binary'),
  3: opt('i64'),
  4: opt('i64'),
  5: opt('binary'),
  6: opt('binary'),
  7: opt('bool'),
  8: opt('bool'),
}
const KEY_VALUE: StructSpec = { 1: req('binary'), 2: opt('binary') }
const SCHEMA_ELEMENT: StructSpec = {
  1: enumOf(TYPE, false),
  2: opt('i32'),
  3: enumOf(REPETITION, false),
  4: req('binary'),
  5: opt('i32'),
  6: enumOf(CONVERTED, false),
  7: opt('i32'),
  8: opt('i32'),
  9: opt('i32'),
  10: opt('struct', { struct: {} }),
}
const PAGE_ENCODING_STATS: StructSpec = { 1: enumOf(PAGE_TYPE), 2: enumOf(ENCODING), 3: req('i32') }
const COLUMN_META_DATA: StructSpec = {
  1: enumOf(TYPE),
  2: req('list', { elem: { type: 'i32', max: ENCODING } }),
  3: req('list', { elem: { type: 'binary' } }),
  4: enumOf(CODEC),
  5: req('i64'),
  6: req('i64'),
  7: req('i64'),
  8: opt('list', { elem: { type: 'struct', struct: KEY_VALUE } }),
  9: req('i64'),
  10: opt('i64'),
  11: opt('i64'),
  12: opt('struct', { struct: STATISTICS }),
  13: opt('list', { elem: { type: 'struct', struct: PAGE_ENCODING_STATS } }),
  14: opt('i64'),
  15: opt('i32'),
}
const COLUMN_CHUNK: StructSpec = {
  1: opt('binary'),
  2: req('i64'),
  3: opt('struct', { struct: COLUMN_META_DATA }),
  4: opt('i64'),
  5: opt('i32'),
  6: opt('i64'),
  7: opt('i32'),
}
const SORTING_COLUMN: StructSpec = { 1: req('i32'), 2: req('bool'), 3: req('bool') }
const ROW_GROUP: StructSpec = {
  1: req('list', { elem: { type: 'struct', struct: COLUMN_CHUNK } }),
  2: req('i64'),
  3: req('i64'),
  4: opt('list', { elem: { type: 'struct', struct: SORTING_COLUMN } }),
  5: opt('i64'),
  6: opt('i64'),
  7: opt('i16'),
}
/** FileMetaData, the footer. */
export const FILE_META_DATA: StructSpec = {
  1: req('i32'),
  2: req('list', { elem: { type: 'struct', struct: SCHEMA_ELEMENT } }),
  3: req('i64'),
  4: req('list', { elem: { type: 'struct', struct: ROW_GROUP } }),
  5: opt('list', { elem: { type: 'struct', struct: KEY_VALUE } }),
  6: opt('binary'),
}
const DATA_PAGE_HEADER: StructSpec = {
  1: req('i32'),
  2: enumOf(ENCODING),
  3: enumOf(ENCODING),
  4: enumOf(ENCODING),
  5: opt('struct', { struct: STATISTICS }),
}
const DICTIONARY_PAGE_HEADER: StructSpec = { 1: req('i32'), 2: enumOf(ENCODING), 3: opt('bool') }
const DATA_PAGE_HEADER_V2: StructSpec = {
  1: req('i32'),
  2: req('i32'),
  3: req('i32'),
  4: enumOf(ENCODING),
  5: req('i32'),
  6: req('i32'),
  7: opt('bool'),
  8: opt('struct', { struct: STATISTICS }),
}
/** PageHeader, before every page. */
export const PAGE_HEADER: StructSpec = {
  1: enumOf(PAGE_TYPE),
  2: req('i32'),
  3: req('i32'),
  4: opt('i32'),
  5: opt('struct', { struct: DATA_PAGE_HEADER }),
  6: opt('struct', { struct: {} }),
  7: opt('struct', { struct: DICTIONARY_PAGE_HEADER }),
  8: opt('struct', { struct: DATA_PAGE_HEADER_V2 }),
}

const MAX_DEPTH = 64

class Reader {
  pos: number
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start
  }
  byte(): number {
    if (this.pos >= this.end) throw new Error('thrift data ends early')
    return this.bytes[this.pos++] as number
  }
  varint(maxBytes: number): number {
    let value = 0
    for (let i = 0; ; i++) {
      if (i >= maxBytes) throw new Error('thrift varint is too long')
      const b = this.byte()
      if (i < 7) value += (b & 0x7f) * 2 ** (7 * i)
      if (b < 0x80) return value
    }
  }
  skipBytes(n: number): void {
    if (n < 0 || this.pos + n > this.end) throw new Error(`thrift field of ${n} bytes runs past the data`)
    this.pos += n
  }
}

function skipValue(r: Reader, compact: number, depth: number, spec?: FieldSpec['struct']): void {
  switch (compact) {
    case 1:
    case 2:
      return
    case 3:
      r.skipBytes(1)
      return
    case 4:
      r.varint(3)
      return
    case 5:
      r.varint(5)
      return
    case 6:
      r.varint(10)
      return
    case 7:
      r.skipBytes(8)
      return
    case 8:
      r.skipBytes(r.varint(5))
      return
    case 9:
    case 10: {
      const head = r.byte()
      const elem = head & 0x0f
      const size = head >> 4 === 15 ? r.varint(5) : head >> 4
      if (size > r.end - r.pos) throw new Error(`thrift list of ${size} elements runs past the data`)
      for (let i = 0; i < size; i++) element(r, elem, depth)
      return
    }
    case 11: {
      const size = r.varint(5)
      if (size === 0) return
      const types = r.byte()
      for (let i = 0; i < size; i++) {
        element(r, types >> 4, depth)
        element(r, types & 0x0f, depth)
      }
      return
    }
    case 12:
      struct(r, spec ?? {}, depth + 1)
      return
    default:
      throw new Error(`thrift type ${compact} is not defined`)
  }
}

/** A list or map element of compact type `compact` (booleans take a byte there). */
function element(r: Reader, compact: number, depth: number, spec?: StructSpec): void {
  if (compact === 1 || compact === 2) {
    r.skipBytes(1)
    return
  }
  skipValue(r, compact, depth, spec)
}

/** An i32 enum value: zigzag varint, between 0 and `max`. */
function enumValue(r: Reader, max: number, id: number): number {
  const z = r.varint(5)
  const value = z % 2 === 1 ? -(z + 1) / 2 : z / 2
  // Encoding has no value 1 (a retired encoding)
  if (!(value >= 0 && value <= max) || (max === ENCODING && value === 1)) {
    throw new Error(`thrift field ${id} holds ${value}, not a value of its enum`)
  }
  return value
}

/** Bytes of a fixed-width value of each physical type (by enum value), where statistics must match. */
const STAT_WIDTH: Record<number, number> = { 1: 4, 2: 8, 4: 4, 5: 8 }

/** Lengths of the binary fields of the last Statistics struct read (min, max, min_value, max_value). */
let statLengths: number[] = []

function struct(r: Reader, spec: StructSpec, depth: number): void {
  if (depth > MAX_DEPTH) throw new Error('thrift structs nest too deep')
  if (spec === COLUMN_META_DATA) {
    columnMetaData(r, depth)
    return
  }
  if (spec === STATISTICS) statLengths = []
  fields(r, spec, depth)
}

/**
 * ColumnMetaData, whose statistics must also hold values of the column's width (a 9-byte BIGINT
 * minimum is a corrupt footer, as DuckDB says).
 */
function columnMetaData(r: Reader, depth: number): void {
  const start = r.pos
  let type: number | undefined
  let stats: number[] | undefined
  fields(r, COLUMN_META_DATA, depth, (id, value) => {
    if (id === 1) type = value
    if (id === 12) stats = statLengths
  })
  const width = type === undefined ? undefined : STAT_WIDTH[type]
  if (width !== undefined && stats?.some((n) => n !== width)) {
    throw new Error(`statistics of ${stats.join('/')} bytes for a type of ${width} bytes (at byte ${start})`)
  }
}

function fields(
  r: Reader,
  spec: StructSpec,
  depth: number,
  seenValue?: (id: number, value: number) => void,
): void {
  const seen = new Set<number>()
  let last = 0
  for (;;) {
    const head = r.byte()
    if (head === 0) break
    const type = head & 0x0f
    const delta = head >> 4
    let id: number
    if (delta !== 0) id = last + delta
    else {
      const z = r.varint(3)
      id = (z >>> 1) ^ -(z & 1)
    }
    last = id
    const field = spec[id]
    if (field && COMPACT[field.type].includes(type)) {
      seen.add(id)
      if (field.type === 'list') {
        const listHead = r.byte()
        const elem = listHead & 0x0f
        const size = listHead >> 4 === 15 ? r.varint(5) : listHead >> 4
        if (size > r.end - r.pos) throw new Error(`thrift list of ${size} elements runs past the data`)
        const want = field.elem as NonNullable<FieldSpec['elem']>
        if (size > 0 && !COMPACT[want.type].includes(elem === 1 || elem === 2 ? 1 : elem)) {
          throw new Error(`thrift list of field ${id} holds type ${elem} where ${want.type} was expected`)
        }
        for (let i = 0; i < size; i++) {
          if (want.max !== undefined) enumValue(r, want.max, id)
          else element(r, elem, depth, want.struct)
        }
      } else if (field.max !== undefined) {
        const value = enumValue(r, field.max, id)
        seenValue?.(id, value)
      } else if (spec === STATISTICS && field.type === 'binary') {
        const n = r.varint(5)
        statLengths.push(n)
        r.skipBytes(n)
      } else {
        skipValue(r, type, depth, field.struct)
        if (field.struct) seenValue?.(id, 0)
      }
    } else {
      // unknown field, or a known one of another type: skipped, as Thrift's readers do
      skipValue(r, type, depth)
    }
  }
  for (const [id, field] of Object.entries(spec)) {
    if (field.required && !seen.has(Number(id))) throw new Error(`required thrift field ${id} is missing`)
  }
}

/**
 * Checks the compact-protocol struct at `bytes[start, end)` against `spec`; returns where it ends.
 * Throws an `Error` saying what is wrong.
 */
export function checkThrift(bytes: Uint8Array, start: number, end: number, spec: StructSpec): number {
  const r = new Reader(bytes, start, end)
  struct(r, spec, 0)
  return r.pos
}
