import { type ErrorLocation, FormatError, isSdError, type SdError } from '@sd/core'

/** Where a record sits in the file, for error messages. */
export interface RecordPlace {
  file: string
  /** 1-based physical line (the record's last line for a record spanning lines). */
  line: number
  /** 0-based byte offset (of the record start, or of the offending byte). */
  byte: number
  /** 0-based data record index (the header is not counted). */
  row?: number
  column?: string
}

function location(place: RecordPlace): ErrorLocation {
  const out: ErrorLocation = { file: place.file, line: place.line, byte: place.byte }
  if (place.row !== undefined) out.row = place.row
  if (place.column !== undefined) out.column = place.column
  return out
}

/** A record with more or fewer fields than the header. Code `CSV_RAGGED_ROW`. */
export function raggedRowError(expected: number, got: number, place: RecordPlace): FormatError {
  return new FormatError(`Expected ${expected} fields per record (as in the header), got ${got}`, {
    code: 'CSV_RAGGED_ROW',
    location: location(place),
  })
}

/** A byte sequence that is not UTF-8. Code `CSV_INVALID_UTF8`; `byte` is the offending byte. */
export function invalidUtf8Error(value: number, place: RecordPlace): FormatError {
  return new FormatError(
    `Expected UTF-8 text, got byte 0x${value.toString(16).padStart(2, '0')} that starts no valid UTF-8 sequence`,
    { code: 'CSV_INVALID_UTF8', location: location(place) },
  )
}

/** A value that does not fit its column's type. Code `CSV_CAST`. */
export function castError(value: string, type: string, decidedBy: string, place: RecordPlace): FormatError {
  const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value
  return new FormatError(
    `Expected a ${type} value (the column's type, ${decidedBy}), got ${JSON.stringify(shown)}; ` +
      `set columnTypes for this column or onCastError: 'null' | 'skip'`,
    { code: 'CSV_CAST', location: location(place) },
  )
}

const QUOTE_CODES = new Set([
  'INVALID_OPENING_QUOTE',
  'CSV_INVALID_CLOSING_QUOTE',
  'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE',
])

/**
 * csv-parse's error as an {@link SdError}: `CSV_UNCLOSED_QUOTE`, `CSV_INVALID_QUOTE`,
 * `CSV_RECORD_TOO_LARGE`, else `CSV_PARSE`. `start` is where the failing record begins.
 */
export function parserError(err: unknown, start: { file: string; line: number; byte: number }): SdError {
  if (isSdError(err)) return err
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : ''
  const detail = err instanceof Error ? err.message : String(err)
  const lines = (err as { lines?: unknown })?.lines
  const at = { file: start.file, line: typeof lines === 'number' ? lines : start.line, byte: start.byte }
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return new FormatError(
      `Expected a closing quote, got the end of the file: a quoted field opened in the record starting at line ${start.line} never closes`,
      { code: 'CSV_UNCLOSED_QUOTE', cause: err, location: { ...at, line: start.line } },
    )
  }
  if (QUOTE_CODES.has(code)) {
    return new FormatError(`Malformed quoting: ${detail}`, {
      code: 'CSV_INVALID_QUOTE',
      cause: err,
      location: at,
    })
  }
  if (code === 'CSV_MAX_RECORD_SIZE') {
    return new FormatError(
      `Expected records within maxRecordSize, got a longer one (often an unclosed quote at line ${start.line}): ${detail}`,
      { code: 'CSV_RECORD_TOO_LARGE', cause: err, location: at },
    )
  }
  return new FormatError(`Malformed CSV: ${detail}`, { code: 'CSV_PARSE', cause: err, location: at })
}
