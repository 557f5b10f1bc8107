import { type ColumnData, type ErrorLocation, VectorColumn } from '@sd/core'
import type { ColumnMetaData, PageHeader } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import type { ByteSource } from './byte-source.js'
import { decompress } from './codecs.js'
import { byteStreamSplit } from './delta.js'
import { pageError } from './page-error.js'
import { HybridDecoder } from './rle.js'
import { checkThrift, PAGE_HEADER } from './thrift-check.js'

/** How a LIST<FLOAT> leaf is nested: levels of a present value, and whether a row may be null. */
export interface VectorLayout {
  dimension: number
  /** Definition level of a present value (1 to 3). */
  maxDef: number
  /** The list itself is OPTIONAL: definition 0 is a null row. */
  nullableList: boolean
}

/**
 * A `vector` column of one row group, decoded straight from its LIST<FLOAT> chunk into one flat
 * `Float32Array` (repetition levels mark rows, definition levels nulls; PLAIN, dictionary and
 * BYTE_STREAM_SPLIT floats): no JS value per row or per float. Every present row must hold
 * `dimension` floats, none of them null.
 */
export async function readVectorChunk(
  source: ByteSource,
  meta: ColumnMetaData,
  rows: number,
  layout: VectorLayout,
  location: ErrorLocation,
): Promise<VectorColumn> {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset)
  const end = start + Number(meta.total_compressed_size)
  if (meta.type !== 'FLOAT') throw pageError(new Error(`vector values are ${meta.type}, not FLOAT`), location)
  if (!(start >= 0 && end <= source.byteLength && end >= start)) {
    throw pageError(new Error(`column chunk [${start}, ${end}) lies outside the file`), location)
  }
  const bytes = await source.read(start, end)
  const { dimension } = layout
  const values = new Float32Array(rows * dimension)
  const validity = layout.nullableList ? new Uint8Array((rows + 7) >>> 3) : undefined
  const state: RowState = { row: -1, count: 0, nulls: 0, rows, dimension }
  let dictionary: Float32Array | undefined
  let pos = 0
  while (pos < bytes.length) {
    const at = pos
    try {
      checkThrift(bytes, pos, bytes.length, PAGE_HEADER)
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      const reader = { view, offset: pos }
      const header = parquetHeader(reader)
      const size = header.compressed_page_size
      if (!(size >= 0 && reader.offset + size <= bytes.length))
        throw new Error(`page of ${size} bytes runs past its chunk`)
      const body = bytes.subarray(reader.offset, reader.offset + size)
      pos = reader.offset + size
      if (header.type === 'DICTIONARY_PAGE') {
        const data = decompress(meta.codec, body, header.uncompressed_page_size)
        dictionary = floats(data, 0, header.dictionary_page_header?.num_values ?? 0)
      } else if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
        readPage(header, body, meta, layout, dictionary, values, validity, state)
      }
    } catch (err) {
      throw pageError(err, { ...location, byte: start + at })
    }
  }
  try {
    finishRow(state)
    if (state.row + 1 !== rows)
      throw new Error(`chunk holds ${state.row + 1} rows where the row group has ${rows}`)
  } catch (err) {
    throw pageError(err, location)
  }
  return new VectorColumn(values, dimension, state.nulls > 0 ? validity : undefined, state.nulls)
}

interface RowState {
  /** The row being filled (-1 before the first). */
  row: number
  /** Floats of that row so far. */
  count: number
  nulls: number
  rows: number
  dimension: number
}

function finishRow(state: RowState): void {
  if (state.row >= 0 && state.count !== state.dimension && state.count !== -1) {
    throw new Error(
      `vector row ${state.row} has ${state.count} values where the dimension is ${state.dimension}`,
    )
  }
}

/** The levels and values of one data page, into `values` and `validity`. */
function readPage(
  header: PageHeader,
  body: Uint8Array,
  meta: ColumnMetaData,
  layout: VectorLayout,
  dictionary: Float32Array | undefined,
  values: Float32Array,
  validity: Uint8Array | undefined,
  state: RowState,
): void {
  const defWidth = 32 - Math.clz32(layout.maxDef)
  let n: number
  let reps: HybridDecoder
  let defs: HybridDecoder
  let data: Uint8Array
  let start: number
  let encoding: string
  const v1 = header.data_page_header
  const v2 = header.data_page_header_v2
  if (v1) {
    n = v1.num_values
    encoding = v1.encoding
    data = decompress(meta.codec, body, header.uncompressed_page_size)
    const repLength = u32(data, 0)
    reps = new HybridDecoder(data, 4, 4 + repLength, 1)
    const defLength = u32(data, 4 + repLength)
    defs = new HybridDecoder(data, 8 + repLength, 8 + repLength + defLength, defWidth)
    start = 8 + repLength + defLength
  } else if (v2) {
    n = v2.num_values
    encoding = v2.encoding
    const repLength = v2.repetition_levels_byte_length ?? 0
    const defLength = v2.definition_levels_byte_length ?? 0
    reps = new HybridDecoder(body, 0, repLength, 1)
    defs = new HybridDecoder(body, repLength, repLength + defLength, defWidth)
    const rest = body.subarray(repLength + defLength)
    const size = header.uncompressed_page_size - repLength - defLength
    data = v2.is_compressed === false ? rest : decompress(meta.codec, rest, size)
    start = 0
  } else throw new Error(`page of type ${header.type} has no data page header`)
  if (!(Number.isInteger(n) && n >= 0)) throw new Error(`page header promises ${n} values`)
  const rep = new Uint8Array(n)
  const def = new Uint8Array(n)
  reps.read(rep, 0, n)
  if (defs.read(def, 0, n) > layout.maxDef) throw new Error(`definition level above ${layout.maxDef}`)
  let present = 0
  for (let i = 0; i < n; i++) if (def[i] === layout.maxDef) present++
  const dense = pageValues(encoding, data, start, present, dictionary)
  const { dimension, maxDef } = layout
  let k = 0
  for (let i = 0; i < n; i++) {
    if (rep[i] === 0) {
      finishRow(state)
      state.row++
      state.count = 0
      if (state.row >= state.rows) throw new Error(`pages hold more rows than the row group's ${state.rows}`)
    } else if (state.row < 0 || state.count === -1)
      throw new Error(`a level continues ${state.row < 0 ? 'no row' : `null row ${state.row}`}`)
    const d = def[i] as number
    if (d === maxDef) {
      if (state.count >= dimension) {
        throw new Error(`vector row ${state.row} has more than ${dimension} values`)
      }
      values[state.row * dimension + state.count++] = dense[k++] as number
    } else if (d === 0 && layout.nullableList) {
      state.nulls++
      state.count = -1 // a null row: no values
    } else {
      throw new Error(`vector row ${state.row} is empty or holds a null value (definition level ${d})`)
    }
    if (validity && d !== 0)
      validity[state.row >>> 3] = (validity[state.row >>> 3] as number) | (1 << (state.row & 7))
  }
}

/** The `count` floats of a page. */
function pageValues(
  encoding: string,
  data: Uint8Array,
  start: number,
  count: number,
  dictionary: Float32Array | undefined,
): Float32Array {
  switch (encoding) {
    case 'PLAIN':
      return floats(data, start, count)
    case 'PLAIN_DICTIONARY':
    case 'RLE_DICTIONARY': {
      if (!dictionary) throw new Error(`page is ${encoding}-encoded but the chunk has no dictionary page`)
      const out = new Float32Array(count)
      if (count === 0) return out
      const indices = new Int32Array(count)
      const max = new HybridDecoder(data, start + 1, data.length, data[start] as number).read(
        indices,
        0,
        count,
      )
      if (max >= dictionary.length) throw new Error(`dictionary index ${max} is outside the dictionary`)
      for (let i = 0; i < count; i++) out[i] = dictionary[indices[i] as number] as number
      return out
    }
    case 'BYTE_STREAM_SPLIT': {
      if (data.length - start < count * 4) throw new Error(`page holds fewer than ${count} floats`)
      return floats(byteStreamSplit(data, start, start + count * 4, count, 4), 0, count)
    }
    default:
      throw new Error(`unsupported encoding ${encoding} of vector values`)
  }
}

/** `count` little-endian floats from `data[start]` on, copied into their own aligned memory. */
function floats(data: Uint8Array, start: number, count: number): Float32Array {
  if (start + count * 4 > data.length) throw new Error(`page holds fewer than ${count} floats`)
  const out = new Float32Array(count)
  new Uint8Array(out.buffer).set(data.subarray(start, start + count * 4))
  return out
}

function u32(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw new Error('page ends inside a length field')
  return (
    ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16)) +
    (bytes[at + 3] as number) * 2 ** 24
  )
}

/** A whole row group's vector column, handed out in the row counts asked for. */
export class WholeVectorColumn {
  readonly #data: Promise<VectorColumn>
  #pos = 0

  constructor(data: Promise<VectorColumn>) {
    this.#data = data
    // observed by take(); a pass that stops early must not leave it unhandled
    data.catch(() => undefined)
  }

  async take(n: number): Promise<ColumnData> {
    const data = await this.#data
    const out = data.slice(this.#pos, this.#pos + n)
    this.#pos += n
    return out
  }
}
