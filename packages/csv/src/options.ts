import { type LoaderOptions, type SdError, ValidationError } from '@sd/core'
import type { CsvColumnType } from './cast.js'

/** What to do with a record the parser cannot read (ragged, bad quotes, invalid UTF-8). */
export type BadRecordPolicy = 'error' | 'skip'

/** What to do with a value that does not fit its column's type. */
export type CastErrorPolicy = 'error' | 'null' | 'skip'

/** Options of {@link loadCsv} and {@link CsvStreamingLoader}. */
export interface CsvOptions extends LoaderOptions {
  /** Field delimiter, one or more characters. Default `','`. */
  delimiter?: string
  /** Quote character. Default `'"'`; `null` or `''` turns quoting off. */
  quote?: string | null
  /** Escape character inside quoted fields. Default: the quote character (`""` is one quote). */
  escape?: string
  /**
   * The first record holds the column names. Default `true`, or `false` when `columns` is given.
   * With both `header: true` and `columns`, the header row is skipped and `columns` names the columns.
   */
  header?: boolean
  /** Column names, in file order (the file has no header row unless `header: true`). */
  columns?: string[]
  /**
   * Type the columns: each column becomes `int32`, `float64`, `bool` or `string`, decided from the
   * first batch and kept for the whole file. Default `true`; `false` reads every column as strings.
   */
  cast?: boolean
  /** Types to use instead of inferring them, by column name (also applies with `cast: false`). */
  columnTypes?: Record<string, CsvColumnType>
  /** Read only these columns, in this order. */
  columnsToRead?: string[]
  /** A record that cannot be parsed: `'error'` (default) throws, `'skip'` drops and counts it. */
  onBadRecord?: BadRecordPolicy
  /**
   * A value that does not fit its column's type: `'error'` (default) throws, `'null'` stores null,
   * `'skip'` drops the record and counts it as skipped.
   */
  onCastError?: CastErrorPolicy
  /** Called with the error of every record dropped under `'skip'` (for logging). */
  onSkip?: (error: SdError) => void
  /** Lines starting with this string are comments. Default: none. */
  comment?: string
  /** Largest record in characters; a larger one (often an unclosed quote) is an error. Default 16 MiB. */
  maxRecordSize?: number
  /** Bytes read from the file at a time. Default 64 KiB (larger chunks raise peak RSS, not speed). */
  chunkSize?: number
}

/** {@link CsvOptions} with the CSV-specific defaults applied. */
export interface ResolvedCsvOptions {
  delimiter: string
  quote: string | null
  escape: string | undefined
  header: boolean
  columns: string[] | undefined
  cast: boolean
  columnTypes: Record<string, CsvColumnType>
  columnsToRead: string[] | undefined
  onBadRecord: BadRecordPolicy
  onCastError: CastErrorPolicy
  onSkip: ((error: SdError) => void) | undefined
  comment: string | undefined
  maxRecordSize: number
  chunkSize: number
}

const COLUMN_TYPES: readonly string[] = ['int32', 'float64', 'bool', 'string']

function invalid(message: string): ValidationError {
  return new ValidationError(message, { code: 'INVALID_OPTION' })
}

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value))
    throw invalid(
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
    )
  return value
}

function names(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalid(`${name} must be an array of strings, got ${JSON.stringify(value)}`)
  const seen = new Set<string>()
  for (const v of value as string[]) {
    if (seen.has(v)) throw invalid(`${name} names "${v}" twice`)
    seen.add(v)
  }
  return value as string[]
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value <= 0)
    throw invalid(`${name} must be a positive integer, got ${value}`)
  return value
}

/** Applies defaults to the CSV options and validates them (a {@link ValidationError} names the bad one). */
export function resolveCsvOptions(options: CsvOptions = {}): ResolvedCsvOptions {
  const delimiter = options.delimiter ?? ','
  if (typeof delimiter !== 'string' || delimiter.length === 0 || /[\r\n]/.test(delimiter))
    throw invalid(
      `delimiter must be a non-empty string without line breaks, got ${JSON.stringify(options.delimiter)}`,
    )
  const quote = options.quote === undefined ? '"' : options.quote === '' ? null : options.quote
  if (quote !== null && (typeof quote !== 'string' || quote === delimiter))
    throw invalid(
      `quote must be a string other than the delimiter, or null, got ${JSON.stringify(options.quote)}`,
    )
  if (options.escape !== undefined && (typeof options.escape !== 'string' || options.escape.length === 0))
    throw invalid(`escape must be a non-empty string, got ${JSON.stringify(options.escape)}`)
  if (options.comment !== undefined && (typeof options.comment !== 'string' || options.comment.length === 0))
    throw invalid(`comment must be a non-empty string, got ${JSON.stringify(options.comment)}`)
  const columns = names('columns', options.columns)
  if (columns?.length === 0) throw invalid('columns must name at least one column')
  const columnsToRead = names('columnsToRead', options.columnsToRead)
  if (columnsToRead?.length === 0) throw invalid('columnsToRead must name at least one column')
  const columnTypes = options.columnTypes ?? {}
  for (const [name, type] of Object.entries(columnTypes)) {
    if (!COLUMN_TYPES.includes(type))
      throw invalid(
        `columnTypes.${name} must be one of ${COLUMN_TYPES.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(type)}`,
      )
  }
  if (options.onSkip !== undefined && typeof options.onSkip !== 'function')
    throw invalid(`onSkip must be a function, got ${typeof options.onSkip}`)
  return {
    delimiter,
    quote,
    escape: options.escape,
    header: options.header ?? columns === undefined,
    columns,
    cast: options.cast ?? true,
    columnTypes,
    columnsToRead,
    onBadRecord: oneOf('onBadRecord', options.onBadRecord, ['error', 'skip'], 'error'),
    onCastError: oneOf('onCastError', options.onCastError, ['error', 'null', 'skip'], 'error'),
    onSkip: options.onSkip,
    comment: options.comment,
    maxRecordSize: positiveInteger('maxRecordSize', options.maxRecordSize, 16 << 20),
    chunkSize: positiveInteger('chunkSize', options.chunkSize, 64 << 10),
  }
}
