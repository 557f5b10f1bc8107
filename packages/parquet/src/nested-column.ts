import { type ColumnData, type ErrorLocation, UnsupportedError } from '@sd/core'
import type { ColumnData as ChunkData, DecodedArray, FileMetaData } from 'hyparquet'
import { parquetRead } from 'hyparquet'
import { asyncBuffer, type ByteSource } from './byte-source.js'
import { decompressors } from './codecs.js'
import { pageError } from './page-error.js'

/**
 * A nested column (list, map, struct) of one row group, decoded whole by hyparquet (which
 * assembles the nesting), then handed out in the row counts asked for.
 */
export class WholeGroupColumn {
  readonly #data: Promise<DecodedArray>
  readonly #finish: (values: DecodedArray) => ColumnData
  readonly #location: ErrorLocation
  #pos = 0

  constructor(
    data: Promise<DecodedArray>,
    finish: (values: DecodedArray) => ColumnData,
    location: ErrorLocation,
  ) {
    this.#data = data
    this.#finish = finish
    this.#location = location
    // observed by take(); a pass that stops early must not leave it unhandled
    data.catch(() => undefined)
  }

  async take(n: number): Promise<ColumnData> {
    const data = await this.#data
    const out = sliceDecoded(data, this.#pos, this.#pos + n)
    this.#pos += n
    try {
      return this.#finish(out)
    } catch (err) {
      throw pageError(err, this.#location)
    }
  }
}

type TypedArray = Exclude<DecodedArray, unknown[]>

/** Values `[start, end)`: a view of a typed array, a copy of a plain one, the array itself when whole. */
function sliceDecoded(values: DecodedArray, start: number, end: number): DecodedArray {
  if (start === 0 && end === values.length) return values
  return Array.isArray(values) ? values.slice(start, end) : (values as TypedArray).subarray(start, end)
}

/** Joins decoded parts end to end. */
function concatDecoded(parts: readonly DecodedArray[]): DecodedArray {
  if (parts.length === 1) return parts[0] as DecodedArray
  const out: unknown[] = []
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i])
  return out
}

/** Reads and assembles one nested column of row group rows `[groupStart, groupStart + rows)`. */
export async function readNestedColumn(
  source: ByteSource,
  metadata: FileMetaData,
  name: string,
  groupStart: number,
  rows: number,
  location: ErrorLocation,
): Promise<DecodedArray> {
  const chunks: ChunkData[] = []
  const safe = withoutProtoNames(metadata)
  // where the levels of each leaf chunk end, in rows: hyparquet cuts what it assembles to the
  // rows asked for, so a chunk whose levels make more rows than the group has would read shifted
  const ends = new Map<string, number>()
  try {
    await parquetRead({
      file: asyncBuffer(source),
      metadata: safe,
      columns: [name === PROTO ? STAND_IN : name],
      rowStart: groupStart,
      rowEnd: groupStart + rows,
      compressors: decompressors,
      utf8: false,
      onChunk: (chunk) => chunks.push(chunk),
      onPage: (page) => {
        const leaf = page.pathInSchema.join('.')
        ends.set(leaf, Math.max(ends.get(leaf) ?? 0, page.rowEnd))
      },
    })
  } catch (err) {
    throw pageError(err, location)
  }
  for (const [leaf, end] of ends) {
    if (end !== groupStart + rows) {
      // DuckDB writes a null fixed-size ARRAY as one null per element, each after the first
      // marked as continuing the null row's list: a reader assembling lists by the levels makes
      // each a row of its own
      throw new UnsupportedError(
        `Cannot read ${leaf}: its levels make ${end - groupStart} rows where the row group has ${rows} ` +
          '(a null list written as several entries, as DuckDB writes a null fixed-size ARRAY; ' +
          'cast the column to a variable-length list, or fill its nulls, when writing it)',
        { code: 'PARQUET_UNSUPPORTED', location },
      )
    }
  }
  // chunks may start before the group range and arrive in any order: order and cut them
  chunks.sort((a, b) => a.rowStart - b.rowStart)
  const first = chunks[0]?.rowStart ?? groupStart
  const decoded = concatDecoded(chunks.map((c) => c.columnData))
  const data = safe === metadata ? decoded : (restoreProtoKeys(decoded) as DecodedArray)
  const out = sliceDecoded(data, groupStart - first, groupStart - first + rows)
  if (out.length !== rows || first > groupStart) {
    throw pageError(
      new Error(`column decoded to ${out.length} rows where the row group has ${rows}`),
      location,
    )
  }
  return out
}

/**
 * hyparquet assembles structs by assigning `obj[name] = value`, so a field named `__proto__` would
 * set the object's prototype (or vanish). Such names are read under a stand-in and given back as
 * own properties by {@link restoreProtoKeys}.
 */
const PROTO = '__proto__'
const STAND_IN = '\u0000__proto__'
const safeMetadata = new WeakMap<FileMetaData, FileMetaData>()

/** `metadata` itself when no schema element is named `__proto__`, else a copy using the stand-in. */
function withoutProtoNames(metadata: FileMetaData): FileMetaData {
  if (!metadata.schema.some((e) => e.name === PROTO)) return metadata
  let safe = safeMetadata.get(metadata)
  if (safe === undefined) {
    const rename = (path: string[]) => path.map((part) => (part === PROTO ? STAND_IN : part))
    safe = {
      ...metadata,
      schema: metadata.schema.map((e) => (e.name === PROTO ? { ...e, name: STAND_IN } : e)),
      row_groups: metadata.row_groups.map((group) => ({
        ...group,
        columns: group.columns.map((chunk) =>
          chunk.meta_data === undefined
            ? chunk
            : {
                ...chunk,
                meta_data: { ...chunk.meta_data, path_in_schema: rename(chunk.meta_data.path_in_schema) },
              },
        ),
      })),
    }
    safeMetadata.set(metadata, safe)
  }
  return safe
}

/** `value` with every stand-in key turned back into an own `__proto__` property, at any depth. */
function restoreProtoKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(restoreProtoKeys)
  if (value === null || typeof value !== 'object') return value
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    Object.defineProperty(out, key === STAND_IN ? PROTO : key, {
      value: restoreProtoKeys(inner),
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}
