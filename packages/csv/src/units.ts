import {
  type ByteRangeUnit,
  byteRangeUnits,
  type DataUnit,
  type ErrorLocation,
  type Field,
  FormatError,
  isSdError,
  lineSpan,
  lineStart,
  type RangeReader,
  readRange,
  relocatedError,
  type TextSource,
} from '@sd/core'
import type { ResolvedCsvOptions } from './options.js'
import type { CsvColumnType } from './values.js'

/** The id of the one unit of a source that cannot be split (a stream, gzip, an unusual dialect). */
export const WHOLE = 'whole'

/** True for a line-aligned byte range unit. */
export function isRangeUnit(unit: DataUnit): unit is ByteRangeUnit {
  const u = unit as Partial<ByteRangeUnit>
  return typeof u.start === 'number' && typeof u.end === 'number'
}

/**
 * True when a file can be cut at line breaks and each cut checked: a one-byte quote that is also
 * its own escape (`""`, the default), or no quoting at all. Then the quotes in a run of whole
 * records are even in number, and a cut inside a quoted field shows as an odd count.
 */
function splittable(options: ResolvedCsvOptions): boolean {
  return options.quote === null || (options.quote.length === 1 && options.escape === options.quote)
}

/**
 * The units of an opened source: line-aligned byte ranges of `unitBytes` for a plain file read by
 * range in the default dialect, else the whole source as one unit. Ids name the file by its last
 * path segment, so the same file elsewhere (another folder, S3) lists the same units.
 */
export function csvUnits(text: TextSource, options: ResolvedCsvOptions, unitBytes: number): DataUnit[] {
  const reader = text.reader
  if (reader === undefined || !splittable(options)) return [{ id: WHOLE }]
  const name = text.name.split(/[/\\]/).at(-1) ?? text.name
  return byteRangeUnits(name, reader.byteLength, unitBytes)
}

/** Where a range unit's records are: the header bytes `[0, header)` and the data bytes `[start, end)`. */
export interface UnitBytes {
  header: number
  start: number
  end: number
}

/**
 * The bytes of a range unit: the records that start within it (none of the header), with the
 * header line to put before them. Fails with `CSV_SPLIT_IN_QUOTES` when the unit ends inside a
 * quoted field (a field holding a line break across the cut): such a file must be read whole.
 */
export async function locateUnit(
  reader: RangeReader,
  unit: ByteRangeUnit,
  options: ResolvedCsvOptions,
  at: ErrorLocation,
  signal: AbortSignal | undefined,
): Promise<UnitBytes> {
  const header = options.header ? await lineStart(reader, 1, signal) : 0
  const [s, end] = await lineSpan(reader, unit.start, unit.end, signal)
  const start = Math.max(s, header)
  if (options.quote !== null && start < end) {
    const quote = options.quote.charCodeAt(0)
    let quotes = 0
    for await (const chunk of readRange(reader, start, end, { chunkBytes: 1 << 20, signal })) {
      for (let i = chunk.indexOf(quote); i !== -1; i = chunk.indexOf(quote, i + 1)) quotes++
    }
    if (quotes % 2 === 1) {
      throw new FormatError(
        `A shard unit boundary falls inside a quoted field (a line break within quotes near byte ${end}): this CSV cannot be split at line breaks; read it as one unit (unitBytes at least the file's size)`,
        { code: 'CSV_SPLIT_IN_QUOTES', location: { ...at, byte: end } },
      )
    }
  }
  return { header, start, end }
}

/** The column types a whole pass decided, as `columnTypes` for a unit read on its own. */
export function layoutTypes(fields: readonly Field[]): Record<string, CsvColumnType> {
  const out: Record<string, CsvColumnType> = Object.create(null)
  for (const field of fields) {
    const t = field.type
    out[field.name] = t === 'int32' || t === 'int64' || t === 'float64' || t === 'bool' ? t : 'string'
  }
  return out
}

/**
 * An error of a unit's reader placed in the file: bytes past the header move to the unit's place,
 * and the line and row, counted from the unit, are left out.
 */
export function placeInFile(err: unknown, bytes: UnitBytes, at: ErrorLocation): unknown {
  if (!isSdError(err) || err.location === undefined) return err
  const { line: _line, row: _row, file: _file, url: _url, byte, ...rest } = err.location
  const location: ErrorLocation = { ...at, ...rest }
  if (byte !== undefined) location.byte = byte < bytes.header ? byte : byte - bytes.header + bytes.start
  return relocatedError(err, location)
}
