import type { ColumnChunk, OffsetIndex, SchemaElement } from 'hyparquet'
import type { ByteWriter } from 'hyparquet-writer'
import { writePageHeader } from 'hyparquet-writer/src/datapage.js'
import { buildColumnIndex, type ChunkColumnIndex, type ChunkIndexes, mergeBounds } from './write-index.js'
import { countSet, gatherBits, RunWriter, writeBitLevels } from './write-levels.js'
import type { WriteSource } from './write-source.js'
import { type Bound, pageBounds } from './write-stats.js'

/** How chunks are encoded. */
export interface ChunkOptions {
  codec: string
  /** Compresses a page's bytes (undefined: UNCOMPRESSED). */
  compress: ((input: Uint8Array) => Uint8Array) | undefined
  /** Target uncompressed bytes per page. */
  pageSize: number
  /** Chunk statistics and a ColumnIndex. */
  statistics: boolean
}

/** A column of one row group, as the encoder needs it. */
export interface ChunkColumn {
  source: WriteSource
  validity: Uint8Array | undefined
  length: number
  /** The leaf element (type, annotations) and its path. */
  element: SchemaElement
  /** The column is OPTIONAL (for a vector: the list, whose leaf is REQUIRED). */
  nullable: boolean
  path: string[]
}

/**
 * Writes one column chunk to `out` as data pages v1: PLAIN values straight from the column's
 * buffers (nulls left out), definition levels from its validity bitmap (RLE / bit-packed), and for
 * vectors the repetition levels of a list per row. `scratch` is reused for every page.
 */
export function writeChunk(
  out: ByteWriter,
  scratch: ByteWriter,
  column: ChunkColumn,
  options: ChunkOptions,
): ChunkIndexes {
  const { source, validity, length: n, element, nullable } = column
  const start = out.offset
  const rowsPerPage = pageRows(source, n, options.pageSize)
  const offsetIndex: OffsetIndex = { page_locations: [] }
  const pageStats: Bound[] = []
  let uncompressed = 0
  let numValues = 0
  let nulls = 0
  for (let a = 0; a < n || (a === 0 && n === 0); a += rowsPerPage) {
    const b = Math.min(n, a + rowsPerPage)
    scratch.index = 0
    scratch.offset = 0
    const valid = source.kind === 'null' ? 0 : validity ? countSet(validity, a, b) : b - a
    nulls += b - a - valid
    let values = b - a
    if (source.kind === 'vector')
      values = writeListLevels(scratch, source.dimension, validity, a, b, nullable)
    else if (nullable) {
      const at = scratch.index
      scratch.appendUint32(0)
      if (source.kind === 'null') {
        const runs = new RunWriter(scratch)
        runs.push(0, b - a)
        runs.flush()
      } else writeBitLevels(scratch, validity, a, b)
      scratch.view.setUint32(at, scratch.index - at - 4, true)
    }
    writeValues(scratch, source, validity, a, b, valid)
    if (options.statistics) pageStats.push(pageBounds(source, validity, a, b, element))
    const raw = new Uint8Array(scratch.buffer, 0, scratch.index)
    const body = options.compress ? options.compress(raw) : raw
    const pageStart = out.offset
    writePageHeader(out, {
      type: 'DATA_PAGE',
      uncompressed_page_size: raw.length,
      compressed_page_size: body.length,
      data_page_header: {
        num_values: values,
        encoding: 'PLAIN',
        definition_level_encoding: 'RLE',
        repetition_level_encoding: 'RLE',
      },
    })
    uncompressed += out.offset - pageStart + raw.length
    out.appendBytes(body)
    offsetIndex.page_locations.push({
      offset: BigInt(pageStart),
      compressed_page_size: out.offset - pageStart,
      first_row_index: BigInt(a),
    })
    numValues += values
    if (n === 0) break
  }
  const chunk: ColumnChunk = {
    file_offset: BigInt(start),
    meta_data: {
      type: element.type as NonNullable<SchemaElement['type']>,
      encodings: ['PLAIN', 'RLE'],
      path_in_schema: column.path,
      codec: options.codec as never,
      num_values: BigInt(numValues),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(out.offset - start),
      data_page_offset: BigInt(start),
    },
  }
  let columnIndex: ChunkColumnIndex | undefined
  if (options.statistics && source.kind !== 'vector') {
    const meta = chunk.meta_data as NonNullable<ColumnChunk['meta_data']>
    const whole = mergeBounds(pageStats)
    meta.statistics = { null_count: BigInt(nulls) }
    if (whole.min !== undefined) {
      meta.statistics.min_value = whole.min as never
      meta.statistics.max_value = whole.max as never
    }
    columnIndex = buildColumnIndex(pageStats, element)
  }
  return { chunk, columnIndex, offsetIndex }
}

/** Rows per page: about `pageSize` bytes of values, a multiple of 8 (levels stay byte-aligned). */
function pageRows(source: WriteSource, n: number, pageSize: number): number {
  let bytesPerRow: number
  switch (source.kind) {
    case 'fixed':
      bytesPerRow = source.width
      break
    case 'bool':
      bytesPerRow = 1 / 8
      break
    case 'binary':
      bytesPerRow = 4 + (n > 0 ? ((source.offsets[n] as number) - (source.offsets[0] as number)) / n : 0)
      if (source.indices) bytesPerRow = 16
      break
    case 'vector':
      bytesPerRow = 4 * source.dimension + 1
      break
    case 'null':
      bytesPerRow = 1 / 8
      break
  }
  return Math.max(8, Math.floor(pageSize / bytesPerRow) & ~7)
}

/** The PLAIN values of the valid rows of `[a, b)` (`valid` of them). */
function writeValues(
  out: ByteWriter,
  source: WriteSource,
  validity: Uint8Array | undefined,
  a: number,
  b: number,
  valid: number,
): void {
  switch (source.kind) {
    case 'null':
      return
    case 'bool':
      out.appendBytes(gatherBits(source.bits, validity, a, b))
      return
    case 'fixed': {
      const per = source.width >>> 2
      const words = source.words
      if (valid === b - a) {
        out.appendBytes(
          new Uint8Array(words.buffer, words.byteOffset + a * source.width, (b - a) * source.width),
        )
        return
      }
      const dense = new Int32Array(valid * per)
      let k = 0
      for (let i = a; i < b; i++) {
        if (!((((validity as Uint8Array)[i >>> 3] as number) >>> (i & 7)) & 1)) continue
        for (let w = 0; w < per; w++) dense[k++] = words[i * per + w] as number
      }
      out.appendBytes(new Uint8Array(dense.buffer))
      return
    }
    case 'vector': {
      const d = source.dimension
      const values = source.values
      if (valid === b - a) {
        out.appendBytes(new Uint8Array(values.buffer, values.byteOffset + a * d * 4, (b - a) * d * 4))
        return
      }
      const dense = new Float32Array(valid * d)
      let k = 0
      for (let i = a; i < b; i++) {
        if (!((((validity as Uint8Array)[i >>> 3] as number) >>> (i & 7)) & 1)) continue
        dense.set(values.subarray(i * d, i * d + d), k)
        k += d
      }
      out.appendBytes(new Uint8Array(dense.buffer))
      return
    }
    case 'binary': {
      const { offsets, bytes, indices } = source
      let total = 0
      for (let i = a; i < b; i++) {
        if (validity && !(((validity[i >>> 3] as number) >>> (i & 7)) & 1)) continue
        const v = indices ? (indices[i] as number) : i
        total += 4 + (offsets[v + 1] as number) - (offsets[v] as number)
      }
      out.ensure(total)
      const target = new Uint8Array(out.buffer)
      const view = out.view
      let at = out.index
      for (let i = a; i < b; i++) {
        if (validity && !(((validity[i >>> 3] as number) >>> (i & 7)) & 1)) continue
        const v = indices ? (indices[i] as number) : i
        const s = offsets[v] as number
        const len = (offsets[v + 1] as number) - s
        view.setUint32(at, len, true)
        at += 4
        if (len < 16) for (let j = 0; j < len; j++) target[at + j] = bytes[s + j] as number
        else target.set(bytes.subarray(s, s + len), at)
        at += len
      }
      out.index = at
      out.offset += total
      return
    }
  }
}

/**
 * Repetition and definition levels of a LIST<FLOAT> of `dimension` values per row: a row starts
 * with repetition 0, its other values 1; values are defined at the deepest level, a null row (of
 * an OPTIONAL list) is one entry at definition 0. Returns the number of level entries.
 */
function writeListLevels(
  out: ByteWriter,
  dimension: number,
  validity: Uint8Array | undefined,
  a: number,
  b: number,
  nullable: boolean,
): number {
  const maxDef = nullable ? 2 : 1
  const isValid = (i: number) => !validity || (((validity[i >>> 3] as number) >>> (i & 7)) & 1) === 1
  let entries = 0
  for (const levels of ['rep', 'def'] as const) {
    const at = out.index
    out.appendUint32(0)
    const runs = new RunWriter(out)
    for (let i = a; i < b; i++) {
      const ok = isValid(i)
      if (levels === 'rep') {
        runs.push(0, 1)
        if (ok) runs.push(1, dimension - 1)
        entries += ok ? dimension : 1
      } else runs.push(ok ? maxDef : 0, ok ? dimension : 1)
    }
    runs.flush()
    out.view.setUint32(at, out.index - at - 4, true)
  }
  return entries
}
