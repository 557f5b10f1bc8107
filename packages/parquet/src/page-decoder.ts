import type { DecodedArray, PageHeader } from 'hyparquet'
import { decompressPage } from 'hyparquet/src/datapage.js'
import type { ColumnDecoder } from './column-cursor.js'
import { HybridReader } from './hybrid.js'

/** Rows of one data page, handed out in order, decoded only as they are asked for. */
export interface PageRows {
  /** Rows not yet taken. */
  readonly remaining: number
  /** The next `n` rows (`n <= remaining`). */
  take(n: number): DecodedArray
}

/** A page hyparquet decoded whole: taking rows slices it. */
export class DecodedPage implements PageRows {
  readonly #values: DecodedArray
  #pos = 0
  constructor(values: DecodedArray) {
    this.#values = values
  }
  get remaining(): number {
    return this.#values.length - this.#pos
  }
  take(n: number): DecodedArray {
    const start = this.#pos
    this.#pos += n
    const v = this.#values
    if (start === 0 && n === v.length) return v
    return Array.isArray(v)
      ? v.slice(start, start + n)
      : (v as Exclude<DecodedArray, unknown[]>).subarray(start, start + n)
  }
}

type Values = (n: number) => DecodedArray

/**
 * Copies a page's levels and values into memory the column reuses from page to page, so the
 * buffers a page arrives in die young instead of living (and being promoted) for as long as the
 * page is being read. Every value handed out is copied out of it.
 */
export type Stash = (levels: Uint8Array, values: Uint8Array) => [levels: Uint8Array, values: Uint8Array]

/**
 * Decodes a flat column's data page lazily, batch by batch, for the common layouts: PLAIN
 * booleans, ints, floats, doubles and byte arrays, RLE booleans, and dictionary indexes, with or
 * without nulls, in data pages v1 and v2. Booleans come out as `Uint8Array` (0/1) when the
 * column has no nulls. Returns `undefined` for anything else (hyparquet then decodes the page).
 */
export function lazyPage(
  header: PageHeader,
  compressed: Uint8Array,
  decoder: ColumnDecoder,
  nullable: boolean,
  dictionary: DecodedArray | undefined,
  stash: Stash,
): PageRows | undefined {
  const v1 = header.data_page_header
  const v2 = header.data_page_header_v2
  const encoding = v1?.encoding ?? v2?.encoding
  if (!encoding) return undefined
  const plainOk = plainDecodable(decoder)
  if (
    !(encoding === 'PLAIN' && plainOk) &&
    !(encoding === 'RLE' && decoder.type === 'BOOLEAN') &&
    !((encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY') && dictionary !== undefined)
  ) {
    return undefined
  }
  let rows: number
  let levels: Uint8Array = new Uint8Array(0)
  let data: Uint8Array
  if (v1) {
    if (nullable && v1.definition_level_encoding !== 'RLE') return undefined
    rows = v1.num_values
    const page = decompressPage(compressed, header.uncompressed_page_size, decoder.codec, decoder.compressors)
    if (nullable) {
      const length = u32(page, 0)
      if (4 + length > page.length) throw new Error('definition levels run past the page')
      levels = page.subarray(4, 4 + length)
      data = page.subarray(4 + length)
    } else data = page
  } else if (v2) {
    const rep = v2.repetition_levels_byte_length ?? 0
    const def = v2.definition_levels_byte_length ?? 0
    if (rep !== 0 || v2.num_rows !== v2.num_values) return undefined
    if (def > compressed.length) throw new Error('definition levels run past the page')
    rows = v2.num_rows
    levels = compressed.subarray(0, def)
    const values = compressed.subarray(rep + def)
    data =
      v2.is_compressed === false
        ? values
        : decompressPage(
            values,
            header.uncompressed_page_size - rep - def,
            decoder.codec,
            decoder.compressors,
          )
  } else return undefined
  ;[levels, data] = stash(levels, data)
  const defs = nullable ? new HybridReader(levels, 0, levels.length, 1) : undefined
  const pos = 0
  let values: Values
  if (encoding === 'PLAIN') values = plainValues(decoder, data, pos, !nullable)
  else if (encoding === 'RLE') values = rleBooleans(data, pos, !nullable)
  else values = dictionaryValues(data, pos, dictionary as DecodedArray)
  return nullable ? new NullablePage(rows, defs as HybridReader, values) : new RequiredPage(rows, values)
}

/** PLAIN values that need no conversion beyond what is done here (no dates, decimals, ...). */
function plainDecodable(decoder: ColumnDecoder): boolean {
  const { type, element } = decoder
  const c = element.converted_type
  const l = element.logical_type
  switch (type) {
    case 'BOOLEAN':
    case 'FLOAT':
    case 'DOUBLE':
      return c === undefined && l === undefined
    case 'INT32':
      return (
        (c === undefined ||
          c === 'INT_8' ||
          c === 'INT_16' ||
          c === 'INT_32' ||
          c === 'UINT_8' ||
          c === 'UINT_16') &&
        (l === undefined || (l.type === 'INTEGER' && (l.isSigned || l.bitWidth < 32)))
      )
    case 'INT64':
      return (c === undefined || c === 'INT_64') && (l === undefined || (l.type === 'INTEGER' && l.isSigned))
    case 'BYTE_ARRAY':
      return (
        c === 'UTF8' ||
        c === 'ENUM' ||
        l?.type === 'STRING' ||
        l?.type === 'ENUM' ||
        (c === undefined && l === undefined && !decoder.utf8)
      )
    default:
      return false
  }
}

class RequiredPage implements PageRows {
  remaining: number
  readonly #values: Values
  constructor(rows: number, values: Values) {
    this.remaining = rows
    this.#values = values
  }
  take(n: number): DecodedArray {
    this.remaining -= n
    return this.#values(n)
  }
}

class NullablePage implements PageRows {
  remaining: number
  readonly #defs: HybridReader
  readonly #values: Values
  #levels = new Uint8Array(0)
  constructor(rows: number, defs: HybridReader, values: Values) {
    this.remaining = rows
    this.#defs = defs
    this.#values = values
  }
  take(n: number): DecodedArray {
    this.remaining -= n
    if (this.#levels.length < n) this.#levels = new Uint8Array(n)
    const levels = this.#levels
    this.#defs.read(levels, n)
    let present = 0
    for (let i = 0; i < n; i++) present += levels[i] as number
    const values = this.#values(present)
    const out: unknown[] = new Array(n)
    for (let i = 0, k = 0; i < n; i++) out[i] = levels[i] ? values[k++] : null
    return out
  }
}

function u32(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw new Error('page ends inside a length field')
  return (
    ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16)) +
    (bytes[at + 3] as number) * 2 ** 24
  )
}

type TypedCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): Exclude<DecodedArray, unknown[]>
  BYTES_PER_ELEMENT: number
}

function plainValues(decoder: ColumnDecoder, data: Uint8Array, start: number, required: boolean): Values {
  let pos = start
  switch (decoder.type) {
    case 'BOOLEAN': {
      let bit = pos * 8
      return (n) => {
        if (bit + n > data.length * 8) throw new Error('page ends before its values')
        const out = required ? new Uint8Array(n) : new Array<boolean>(n)
        for (let i = 0; i < n; i++, bit++) {
          const b = ((data[bit >> 3] as number) >> (bit & 7)) & 1
          out[i] = required ? b : b === 1
        }
        return out
      }
    }
    case 'INT32':
      return fixed(Int32Array, data, pos)
    case 'INT64':
      return fixed(BigInt64Array, data, pos)
    case 'FLOAT':
      return fixed(Float32Array, data, pos)
    case 'DOUBLE':
      return fixed(Float64Array, data, pos)
    default: {
      // BYTE_ARRAY: [u32 length][bytes] per value
      const text = decoder.type === 'BYTE_ARRAY' && decoder.utf8 !== false
      const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      return (n) => {
        const out: unknown[] = new Array(n)
        for (let i = 0; i < n; i++) {
          const length = u32(data, pos)
          const from = pos + 4
          pos = from + length
          if (pos > data.length) throw new Error('page ends inside a value')
          out[i] = text ? buffer.toString('utf8', from, pos) : data.slice(from, pos)
        }
        return out
      }
    }
  }
}

function fixed(Ctor: TypedCtor, data: Uint8Array, start: number): Values {
  let pos = start
  const width = Ctor.BYTES_PER_ELEMENT
  return (n) => {
    const bytes = n * width
    if (pos + bytes > data.length) throw new Error('page ends before its values')
    const at = data.byteOffset + pos
    pos += bytes
    // a copy: the page's memory is reused for the next page
    return new Ctor(data.buffer.slice(at, at + bytes) as ArrayBuffer, 0, n)
  }
}

function rleBooleans(data: Uint8Array, start: number, required: boolean): Values {
  const length = u32(data, start)
  const reader = new HybridReader(data, start + 4, start + 4 + length, 1)
  return (n) => {
    const bits = new Uint8Array(n)
    reader.read(bits, n)
    if (required) return bits
    const out = new Array<boolean>(n)
    for (let i = 0; i < n; i++) out[i] = bits[i] === 1
    return out
  }
}

function dictionaryValues(data: Uint8Array, start: number, dictionary: DecodedArray): Values {
  if (start >= data.length) return () => new Array(0)
  const width = data[start] as number
  const reader = new HybridReader(data, start + 1, data.length, width)
  let indexes = new Uint32Array(0)
  const typed = !Array.isArray(dictionary)
  const size = dictionary.length
  return (n) => {
    if (indexes.length < n) indexes = new Uint32Array(n)
    reader.read(indexes, n)
    const out: DecodedArray = typed
      ? new (dictionary.constructor as new (n: number) => Exclude<DecodedArray, unknown[]>)(n)
      : new Array(n)
    for (let i = 0; i < n; i++) {
      const index = indexes[i] as number
      if (index >= size)
        throw new Error(`dictionary index ${index} out of range (dictionary has ${size} values)`)
      out[i] = dictionary[index] as never
    }
    return out
  }
}
