import {
  type Compression,
  type Int64Option,
  invalidOption,
  type LoaderOptions,
  nameList,
  nonEmptyString,
  oneOf,
  positiveInteger,
  type RemoteOptions,
  resolveInt64,
  resolveWorkers,
  type SdError,
  type WorkersOption,
} from '@sd/core'
import type { CsvColumnType } from './values.js'

/** What to do with a record that cannot be read (ragged, bad quotes, invalid UTF-8). */
export type BadRecordPolicy = 'error' | 'skip'

/** What to do with a value that does not fit its column's type. */
export type BadValuePolicy = 'error' | 'null' | 'skip'

/**
 * Which parser reads the file. `'fast'` is sd's byte-level tokenizer (single-byte delimiter,
 * quote and escape); `'csv-parse'` handles every dialect csv-parse does (multi-character
 * delimiters, quotes and escapes). `'auto'` (the default) takes the fast one whenever it can.
 */
export type CsvEngine = 'auto' | 'fast' | 'csv-parse'

/**
 * Options of {@link loadCsv} and {@link CsvStreamingLoader}: the shared loader options, core's
 * remote options for URL and `s3://` sources (`s3`, and the HTTP options `fetch`, `headers`,
 * `retries`, `backoffMs`, `timeoutMs`, `idleTimeoutMs`, `minBytesPerSecond`, `maxRedirects`), and
 * the CSV dialect and typing below.
 */
export interface CsvOptions extends LoaderOptions, RemoteOptions {
  /** Field delimiter, one or more characters. Default `','`. */
  delimiter?: string
  /** Quote character(s). Default `'"'`; `null` or `''` turns quoting off. */
  quote?: string | null
  /** Escape character(s) inside quoted fields. Default: the quote (`""` is one quote). */
  escape?: string
  /** Lines starting with this string are comments (inside a field it is text). Default: none. */
  comment?: string
  /**
   * The first record holds the column names. Default `true`, or `false` when `headerNames` is
   * given; with both, the header row is skipped and `headerNames` names the columns.
   */
  header?: boolean
  /** Column names, in file order (the file has no header row unless `header: true`). */
  headerNames?: string[]
  /** Read only these columns, in this order (projection, as in every loader). */
  columns?: string[]
  /**
   * Type the columns: each becomes `int32`, `int64`, `float64`, `bool` or `string`, decided from
   * the first batch and kept for the whole file. Default `true`; `false` reads strings.
   */
  cast?: boolean
  /** Types to use instead of inferring them, by column name (also applies with `cast: false`). */
  columnTypes?: Record<string, CsvColumnType>
  /**
   * What an empty field of a string column becomes: `'string'` (default) an empty string, `'null'`
   * a null. In a typed column an empty field is always null.
   */
  emptyAs?: 'string' | 'null'
  /** `int64` columns as `BigInt64Array` (`'bigint'`, default) or as `float64` numbers (`'number'`). */
  int64?: Int64Option
  /** A record that cannot be read: `'error'` (default) throws, `'skip'` drops and counts it. */
  onBadRecord?: BadRecordPolicy
  /**
   * A value that does not fit its column's type: `'error'` (default) throws, `'null'` stores null
   * (counted in `nulledValues`), `'skip'` drops the record (counted in `skippedRecords`).
   */
  onBadValue?: BadValuePolicy
  /** Called with the error of every record dropped under `'skip'` (for logging). */
  onSkip?: (error: SdError) => void
  /** Largest record in bytes; a larger one (often an unclosed quote) is an error. Default 64 MiB. */
  maxRecordBytes?: number
  /** Bytes read at a time. Default 256 KiB. */
  chunkBytes?: number
  /**
   * Bytes per unit when the dataset is sharded, shuffled or checkpointed (`dataset.shard()`...): a
   * plain file splits into line-aligned byte ranges of about this size. Default 16 MiB.
   */
  unitBytes?: number
  /** `'auto'` (default) gunzips a source that starts with the gzip magic bytes. */
  compression?: Compression
  /**
   * Threads that parse: `0` (default) parses in the calling thread; `'auto'` or a count splits a
   * plain file into ranges parsed by that many worker threads and the calling thread. `'auto'` is
   * one worker fewer than the available parallelism (at least 1).
   */
  workers?: WorkersOption
  /** The parser: see {@link CsvEngine}. Default `'auto'`. */
  engine?: CsvEngine
}

/** {@link CsvOptions} with the CSV-specific defaults applied. */
export interface ResolvedCsvOptions {
  delimiter: string
  quote: string | null
  escape: string | null
  comment: string | undefined
  header: boolean
  headerNames: string[] | undefined
  columns: string[] | undefined
  cast: boolean
  columnTypes: Record<string, CsvColumnType>
  emptyAs: 'string' | 'null'
  int64: Int64Option
  onBadRecord: BadRecordPolicy
  onBadValue: BadValuePolicy
  onSkip: ((error: SdError) => void) | undefined
  maxRecordBytes: number
  chunkBytes: number
  unitBytes: number
  compression: Compression
  workers: number
  /** The engine chosen for these options. */
  engine: 'fast' | 'csv-parse'
}

const COLUMN_TYPES: readonly string[] = ['int32', 'int64', 'float64', 'bool', 'string']
const LINE_BREAK = /[\r\n]/

function dialectString(name: string, value: string): string {
  if (LINE_BREAK.test(value))
    throw invalidOption(`${name} must not contain line breaks, got ${JSON.stringify(value)}`)
  return value
}

/** True when `s` is one byte of ASCII, which the fast tokenizer compares bytes with. */
function oneByte(s: string | null): boolean {
  return s === null || (s.length === 1 && s.charCodeAt(0) < 0x80)
}

/** Applies defaults to the CSV options and validates them (a `ValidationError` names the bad one). */
export function resolveCsvOptions(options: CsvOptions = {}): ResolvedCsvOptions {
  const delimiter = dialectString('delimiter', nonEmptyString('delimiter', options.delimiter) ?? ',')
  const quote =
    options.quote === undefined
      ? '"'
      : options.quote === null || options.quote === ''
        ? null
        : dialectString('quote', nonEmptyString('quote', options.quote) as string)
  if (quote === delimiter)
    throw invalidOption(`quote must differ from the delimiter, got ${JSON.stringify(quote)}`)
  const escapeOption = nonEmptyString('escape', options.escape)
  const escapeChars = quote === null ? null : dialectString('escape', escapeOption ?? quote)
  if (escapeChars === delimiter)
    throw invalidOption(`escape must differ from the delimiter, got ${JSON.stringify(escapeChars)}`)
  const comment = nonEmptyString('comment', options.comment)
  if (comment !== undefined) {
    dialectString('comment', comment)
    if (quote !== null && comment.startsWith(quote))
      throw invalidOption(`comment must not start with the quote character, got ${JSON.stringify(comment)}`)
  }
  const headerNames = nameList('headerNames', options.headerNames)
  const columns = nameList('columns', options.columns)
  const columnTypes = options.columnTypes ?? {}
  if (typeof columnTypes !== 'object' || columnTypes === null)
    throw invalidOption(`columnTypes must be an object, got ${JSON.stringify(columnTypes)}`)
  for (const [name, type] of Object.entries(columnTypes)) {
    if (!COLUMN_TYPES.includes(type))
      throw invalidOption(
        `columnTypes.${name} must be one of ${COLUMN_TYPES.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(type)}`,
      )
  }
  if (options.onSkip !== undefined && typeof options.onSkip !== 'function')
    throw invalidOption(`onSkip must be a function, got ${typeof options.onSkip}`)
  const fastDialect = oneByte(delimiter) && oneByte(quote) && oneByte(escapeChars)
  const engine = oneOf('engine', options.engine, ['auto', 'fast', 'csv-parse'], 'auto')
  if (engine === 'fast' && !fastDialect)
    throw invalidOption(
      `engine 'fast' reads single-byte ASCII delimiters, quotes and escapes; got delimiter ${JSON.stringify(delimiter)}, quote ${JSON.stringify(quote)}, escape ${JSON.stringify(escapeChars)} (use engine 'auto' or 'csv-parse')`,
    )
  return {
    delimiter,
    quote,
    escape: escapeChars,
    comment,
    header: options.header ?? headerNames === undefined,
    headerNames,
    columns,
    cast: options.cast ?? true,
    columnTypes,
    emptyAs: oneOf('emptyAs', options.emptyAs, ['string', 'null'], 'string'),
    int64: resolveInt64(options.int64),
    onBadRecord: oneOf('onBadRecord', options.onBadRecord, ['error', 'skip'], 'error'),
    onBadValue: oneOf('onBadValue', options.onBadValue, ['error', 'null', 'skip'], 'error'),
    onSkip: options.onSkip,
    maxRecordBytes: positiveInteger('maxRecordBytes', options.maxRecordBytes, 64 << 20),
    chunkBytes: positiveInteger('chunkBytes', options.chunkBytes, 256 << 10),
    unitBytes: positiveInteger('unitBytes', options.unitBytes, 16 << 20),
    compression: oneOf('compression', options.compression, ['auto', 'gzip', 'none'], 'auto'),
    workers: resolveWorkers(options.workers, 0, true),
    engine: engine === 'csv-parse' || !fastDialect ? 'csv-parse' : 'fast',
  }
}
