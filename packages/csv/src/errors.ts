import { type CoreErrorCode, type ErrorLocation, FormatError, ValidationError } from '@sd/core'

/**
 * Error codes of @sd/csv, beside core's shared ones it uses (`INVALID_UTF8`, `RECORD_TOO_LARGE`,
 * `TYPE_MISMATCH`, `GZIP_CORRUPT`, `UNKNOWN_COLUMN`, `INVALID_OPTION`, `NOT_FOUND`, `EISDIR`,
 * `ABORTED`, `WORKER_CRASHED`).
 */
export type CsvErrorCode =
  | 'CSV_RAGGED_ROW'
  | 'CSV_SPLIT_IN_QUOTES'
  | 'CSV_UNCLOSED_QUOTE'
  | 'CSV_INVALID_QUOTE'
  | 'CSV_COLUMN_COUNT'
  | 'CSV_PARSE'
  | CoreErrorCode

/** Where a record sits, for error messages. */
export interface RecordPlace {
  /** `{ file }` or `{ url }` of the source. */
  at: ErrorLocation
  /** 1-based line where the record starts. */
  line: number
  /** 0-based byte offset where the record starts (or of the offending byte, for invalid UTF-8). */
  byte: number
  /** 0-based data record index (the header is not counted). */
  row?: number
  column?: string
}

function location(place: RecordPlace): ErrorLocation {
  const out: ErrorLocation = { ...place.at, line: place.line, byte: place.byte }
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

/** A byte sequence that is not UTF-8. Code `INVALID_UTF8`; `byte` is the offending byte. */
export function invalidUtf8Error(value: number, place: RecordPlace): FormatError {
  return new FormatError(
    `Expected UTF-8 text, got byte 0x${value.toString(16).padStart(2, '0')} that starts no valid UTF-8 sequence`,
    { code: 'INVALID_UTF8', location: location(place) },
  )
}

/** A value that does not fit its column's type. Code `TYPE_MISMATCH`. */
export function badValueError(
  value: string,
  type: string,
  decidedBy: string,
  place: RecordPlace,
): FormatError {
  const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value
  return new FormatError(
    `Expected a ${type} value (the column's type, ${decidedBy}), got ${JSON.stringify(shown)}; ` +
      `set columnTypes for this column or onBadValue: 'null' | 'skip'`,
    { code: 'TYPE_MISMATCH', location: location(place) },
  )
}

/** A quote inside an unquoted field, or text after a closing quote. Code `CSV_INVALID_QUOTE`. */
export function invalidQuoteError(detail: string, place: RecordPlace): FormatError {
  return new FormatError(`Malformed quoting: ${detail}`, {
    code: 'CSV_INVALID_QUOTE',
    location: location(place),
  })
}

/** A quoted field still open at the end of the file. Code `CSV_UNCLOSED_QUOTE`. */
export function unclosedQuoteError(place: RecordPlace): FormatError {
  return new FormatError(
    `Expected a closing quote, got the end of the file: a quoted field in the record starting there never closes`,
    { code: 'CSV_UNCLOSED_QUOTE', location: location(place) },
  )
}

/** A record longer than `maxRecordBytes`. Code `RECORD_TOO_LARGE` (always fatal). */
export function recordTooLargeError(max: number, place: RecordPlace): FormatError {
  return new FormatError(
    `Expected records of at most maxRecordBytes (${max}) bytes, got a longer one starting there (often an unclosed quote)`,
    { code: 'RECORD_TOO_LARGE', location: location(place) },
  )
}

/** Any other error of the csv-parse engine. Code `CSV_PARSE`. */
export function parseError(detail: string, place: RecordPlace, cause: unknown): FormatError {
  return new FormatError(`Malformed CSV: ${detail}`, { code: 'CSV_PARSE', cause, location: location(place) })
}

/** `headerNames` with `header: true` has another length than the header. Code `CSV_COLUMN_COUNT`. */
export function columnCountError(names: number, fields: number, place: RecordPlace): ValidationError {
  return new ValidationError(`The headerNames option names ${names} columns, the header has ${fields}`, {
    code: 'CSV_COLUMN_COUNT',
    location: location(place),
  })
}

/** A `columns` or `columnTypes` name the file lacks. Code `UNKNOWN_COLUMN`. */
export function unknownColumnError(name: string, names: readonly string[], option: string): ValidationError {
  const shown =
    names.length > 50 ? `${names.slice(0, 50).join(', ')}, ... (${names.length} in all)` : names.join(', ')
  return new ValidationError(`${option} names column "${name}": expected one of [${shown}]`, {
    code: 'UNKNOWN_COLUMN',
    location: { column: name },
  })
}
