import { Utf8Column } from '@sd/core'
import type { CompressionCodec, PageHeader } from 'hyparquet'
import type { BinaryOut } from './binary-out.js'
import { decompress } from './codecs.js'
import type { BoolOut, FixedOut, PhysicalType } from './column-out.js'
import { byteStreamSplit, deltaBinaryPacked, deltaByteArray, deltaLengthByteArray } from './delta.js'
import { HybridDecoder } from './rle.js'
import {
  DenseBinaryReader,
  DictBinary,
  DictFixed,
  PlainBinary,
  PlainBool,
  PlainFixed,
  RleBool,
  type ValueReader,
} from './values.js'

/** What decoding a flat column's pages needs to know. */
export interface PageContext {
  physical: PhysicalType
  /** Bytes per value of fixed-width types (INT32 4, INT64 8, INT96 12, FIXED_LEN_BYTE_ARRAY its length). */
  width: number
  nullable: boolean
  codec: CompressionCodec
}

/** A dictionary page's values: bytes of fixed-width values, or byte arrays. */
export type Dictionary = { kind: 'fixed'; bytes: Uint8Array } | { kind: 'binary'; column: Utf8Column }

type AnyOut = FixedOut | BoolOut | BinaryOut

/** A decoded data page header and its readers: rows, definition levels, values. */
export interface DataPage {
  /** Rows (= values, nulls included) in the page. */
  rows: number
  encoding: string
  /** Definition levels (nullable columns): width 1, read as validity bits. */
  defs: HybridDecoder | undefined
  values: ValueReader<AnyOut>
}

/**
 * Memory a page may be decompressed into (at least `size` bytes), valid until the next page is
 * read: the reader's reusable page buffer.
 */
export type PageBuffer = (size: number) => Uint8Array

/** Encodings whose readers copy every value out as they read (so the page's memory can be reused). */
const COPYING = new Set(['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'RLE'])

/** A dictionary page's values, copied out of the page. */
export function readDictionary(
  header: PageHeader,
  compressed: Uint8Array,
  ctx: PageContext,
  buffer?: PageBuffer,
): Dictionary {
  const count = header.dictionary_page_header?.num_values ?? 0
  if (!(count >= 0)) throw new Error(`dictionary page header promises ${count} values`)
  const encoding = header.dictionary_page_header?.encoding
  if (encoding !== undefined && encoding !== 'PLAIN' && encoding !== 'PLAIN_DICTIONARY') {
    throw new Error(`dictionary page encoding ${encoding} is not PLAIN`)
  }
  const size = header.uncompressed_page_size
  const data = decompress(ctx.codec, compressed, size, ctx.codec === 'SNAPPY' ? buffer?.(size) : undefined)
  if (ctx.physical === 'BYTE_ARRAY') {
    const offsets = new Int32Array(count + 1)
    let p = 0
    let total = 0
    for (let i = 0; i < count; i++) {
      if (p + 4 > data.length) throw new Error('dictionary page ends inside a length')
      const n =
        ((data[p] as number) | ((data[p + 1] as number) << 8) | ((data[p + 2] as number) << 16)) +
        (data[p + 3] as number) * 16777216
      p += 4 + n
      if (p > data.length) throw new Error(`dictionary value of ${n} bytes runs past the page`)
      total += n
      offsets[i + 1] = total
    }
    const bytes = new Uint8Array(total)
    p = 0
    for (let i = 0; i < count; i++) {
      const n = (offsets[i + 1] as number) - (offsets[i] as number)
      bytes.set(data.subarray(p + 4, p + 4 + n), offsets[i] as number)
      p += 4 + n
    }
    return { kind: 'binary', column: new Utf8Column('string', offsets, bytes) }
  }
  if (ctx.physical === 'BOOLEAN') throw new Error('a BOOLEAN column cannot have a dictionary')
  const bytes = count * ctx.width
  if (bytes > data.length) throw new Error(`dictionary page holds fewer than ${count} values`)
  // a copy with its own aligned buffer (the page may be a view into file bytes, or a reused buffer)
  return { kind: 'fixed', bytes: data.slice(0, bytes) }
}

/** A data page (v1 or v2) of a flat column, decompressed and ready to read. */
export function readDataPage(
  header: PageHeader,
  compressed: Uint8Array,
  ctx: PageContext,
  dictionary: Dictionary | undefined,
  buffer?: PageBuffer,
): DataPage {
  const v1 = header.data_page_header
  const v2 = header.data_page_header_v2
  let rows: number
  let encoding: string
  let defs: HybridDecoder | undefined
  let data: Uint8Array
  let start = 0
  const into = (size: number) =>
    ctx.codec === 'SNAPPY' && COPYING.has(encoding) ? buffer?.(size) : undefined
  if (v1) {
    rows = v1.num_values
    encoding = v1.encoding
    data = decompress(
      ctx.codec,
      compressed,
      header.uncompressed_page_size,
      into(header.uncompressed_page_size),
    )
    if (ctx.nullable) {
      if (v1.definition_level_encoding !== 'RLE') {
        throw new Error(`definition level encoding ${v1.definition_level_encoding} is not supported`)
      }
      const length = u32(data, 0)
      if (4 + length > data.length) throw new Error('definition levels run past the page')
      defs = new HybridDecoder(data, 4, 4 + length, 1)
      start = 4 + length
    }
  } else if (v2) {
    rows = v2.num_rows
    encoding = v2.encoding
    const rep = v2.repetition_levels_byte_length ?? 0
    const def = v2.definition_levels_byte_length ?? 0
    if (rep !== 0) throw new Error(`a flat column's page has ${rep} bytes of repetition levels`)
    if (v2.num_values !== rows) throw new Error(`page holds ${v2.num_values} values in ${rows} rows`)
    if (def > compressed.length) throw new Error('definition levels run past the page')
    if (ctx.nullable && def > 0) defs = new HybridDecoder(compressed, 0, def, 1)
    else if (ctx.nullable && (v2.num_nulls ?? 0) > 0)
      throw new Error(`page has ${v2.num_nulls} nulls and no definition levels`)
    else if (!ctx.nullable && def !== 0)
      throw new Error(`a required column's page has ${def} bytes of definition levels`)
    const values = compressed.subarray(def)
    const size = header.uncompressed_page_size - def
    data = v2.is_compressed === false ? values : decompress(ctx.codec, values, size, into(size))
    if (data.length !== size)
      throw new Error(`page values take ${data.length} bytes where the header says ${size}`)
  } else throw new Error(`page of type ${header.type} has no data page header`)
  if (!(Number.isInteger(rows) && rows >= 0)) throw new Error(`page header promises ${rows} rows`)
  return { rows, encoding, defs, values: valueReader(encoding, data, start, rows, ctx, dictionary) }
}

function valueReader(
  encoding: string,
  data: Uint8Array,
  start: number,
  rows: number,
  ctx: PageContext,
  dictionary: Dictionary | undefined,
): ValueReader<AnyOut> {
  const { physical, width } = ctx
  const reader = (r: ValueReader<never>) => r as ValueReader<AnyOut>
  switch (encoding) {
    case 'PLAIN':
      if (physical === 'BOOLEAN') return reader(new PlainBool(data, start))
      if (physical === 'BYTE_ARRAY') return reader(new PlainBinary(data, start, rows))
      return reader(new PlainFixed(data, start))
    case 'PLAIN_DICTIONARY':
    case 'RLE_DICTIONARY': {
      if (!dictionary) {
        throw new Error(`page is ${encoding}-encoded but the column chunk has no dictionary page before it`)
      }
      if (start >= data.length) {
        // a page of nulls only: no bit width, no indices
        return reader(new DictFixed(new HybridDecoder(data, start, start, 0), new Uint8Array(width), width))
      }
      const bitWidth = data[start] as number
      const decoder = new HybridDecoder(data, start + 1, data.length, bitWidth)
      if (dictionary.kind === 'binary') return reader(new DictBinary(decoder, dictionary.column))
      return reader(new DictFixed(decoder, dictionary.bytes, width))
    }
    case 'RLE': {
      if (physical !== 'BOOLEAN') throw new Error(`RLE values are only defined for booleans, not ${physical}`)
      const length = u32(data, start)
      return reader(new RleBool(new HybridDecoder(data, start + 4, start + 4 + length, 1)))
    }
    case 'DELTA_BINARY_PACKED': {
      if (physical !== 'INT32' && physical !== 'INT64')
        throw new Error(`DELTA_BINARY_PACKED ${physical} values`)
      return reader(new LazyDense(() => deltaFixed(data, start, physical === 'INT32' ? 4 : 8)))
    }
    case 'DELTA_LENGTH_BYTE_ARRAY':
    case 'DELTA_BYTE_ARRAY': {
      const decode = encoding === 'DELTA_BYTE_ARRAY' ? deltaByteArray : deltaLengthByteArray
      // (nulls are not encoded: the first delta header counts the values present)
      const dense = () => decode(data, start, data.length, deltaCount(data, start))
      if (physical === 'BYTE_ARRAY') return reader(new LazyBinary(dense))
      if (physical === 'FIXED_LEN_BYTE_ARRAY' && encoding === 'DELTA_BYTE_ARRAY') {
        return reader(new LazyDense(() => fixedFromDense(dense(), width)))
      }
      throw new Error(`${encoding} ${physical} values`)
    }
    case 'BYTE_STREAM_SPLIT':
      if (physical === 'BOOLEAN' || physical === 'BYTE_ARRAY' || physical === 'INT96') {
        throw new Error(`BYTE_STREAM_SPLIT ${physical} values`)
      }
      if ((data.length - start) % width !== 0) {
        throw new Error(
          `BYTE_STREAM_SPLIT data of ${data.length - start} bytes is not whole values of ${width}`,
        )
      }
      return reader(
        new LazyDense(() => ({
          bytes: byteStreamSplit(data, start, data.length, (data.length - start) / width, width),
        })),
      )
    default:
      throw new Error(`unsupported encoding ${encoding}`)
  }
}

/** The value count a DELTA_BINARY_PACKED header at `start` holds (its third varint). */
function deltaCount(data: Uint8Array, start: number): number {
  let pos = start
  let count = 0
  for (let field = 0; field < 3; field++) {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      if (pos >= data.length || shift > 35) throw new Error('delta header ends early')
      const b = data[pos++] as number
      value += (b & 0x7f) * 2 ** shift
      if (b < 0x80) break
    }
    count = value
  }
  return count
}

/** DELTA_BINARY_PACKED values of a page: every value its header holds (nulls are not encoded). */
function deltaFixed(data: Uint8Array, start: number, width: 4 | 8): { bytes: Uint8Array } {
  const { words } = deltaBinaryPacked(data, start, data.length, deltaCount(data, start), width)
  return { bytes: new Uint8Array(words.buffer, words.byteOffset, words.byteLength) }
}

function fixedFromDense(
  dense: { offsets: Int32Array; bytes: Uint8Array },
  width: number,
): { bytes: Uint8Array } {
  const n = dense.offsets.length - 1
  for (let i = 0; i < n; i++) {
    if ((dense.offsets[i + 1] as number) - (dense.offsets[i] as number) !== width)
      throw new Error(`fixed-length value ${i} is not ${width} bytes`)
  }
  return { bytes: dense.bytes }
}

/** Fixed-width values of a page decoded whole on first read. */
class LazyDense implements ValueReader<FixedOut> {
  readonly #decode: () => { bytes: Uint8Array }
  #reader: PlainFixed | undefined
  constructor(decode: () => { bytes: Uint8Array }) {
    this.#decode = decode
  }
  read(out: FixedOut, pos: number, m: number, k: number): void {
    this.#reader ??= new PlainFixed(this.#decode().bytes, 0)
    this.#reader.read(out, pos, m, k)
  }
}

/** Byte arrays of a page decoded whole on first read. */
class LazyBinary implements ValueReader<BinaryOut> {
  readonly #decode: () => { offsets: Int32Array; bytes: Uint8Array }
  #reader: DenseBinaryReader | undefined
  constructor(decode: () => { offsets: Int32Array; bytes: Uint8Array }) {
    this.#decode = decode
  }
  read(out: BinaryOut, pos: number, m: number, k: number): void {
    this.#reader ??= new DenseBinaryReader(this.#decode())
    this.#reader.read(out, pos, m, k)
  }
}

function u32(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw new Error('page ends inside a length field')
  return (
    ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16)) +
    (bytes[at + 3] as number) * 2 ** 24
  )
}
