import type { LoaderOptions } from '@sd/core'
import { ValidationError } from '@sd/core'

/** How the file holds its records: one per line, or as the elements of an array in a JSON document. */
export type JsonFormat = 'auto' | 'ndjson' | 'array'

/**
 * A column type the loader can produce. Non-null `int32`, `float64` and `bool` columns are typed
 * arrays (`Int32Array`, `Float64Array`, `Uint8Array`); `string` and `json` (any JSON value, nested
 * objects and arrays included) are plain arrays.
 */
export type JsonColumnType = 'int32' | 'float64' | 'bool' | 'string' | 'json'

/** Options of {@link loadJson} and {@link JsonStreamingLoader}: the shared loader options plus these. */
export interface JsonLoadOptions extends LoaderOptions {
  /**
   * `'ndjson'` (one record per line), `'array'` (records are the elements of an array in a JSON
   * document), or `'auto'` (the default): a file whose first non-space byte is `[`, or any file
   * when `path` is given, is an array document; otherwise NDJSON.
   */
  format?: JsonFormat
  /**
   * Where the array of records sits inside a JSON document, as a dotted path (`'data'`,
   * `'result.items'`). Without it, an array document must be a top-level array.
   */
  path?: string
  /** Read only these keys, in this order (a key no record has becomes an all-null column). */
  columns?: string[]
  /**
   * What to do with a record that is not valid JSON, not an object, or not valid UTF-8:
   * `'error'` (the default) throws a `FormatError` naming the line and byte; `'skip'` drops it and
   * counts it in {@link JsonStreamingLoader.skippedRecords} and `getStats().skippedRecords`.
   */
  onBadRecord?: 'error' | 'skip'
  /**
   * What to do with a value that does not fit the type its column was given from the first batch
   * (a string in an `int32` column, `2.5` in an `int32` column): `'error'` (the default) throws a
   * `FormatError` (`JSON_TYPE_MISMATCH`); `'null'` stores null and counts it in
   * {@link JsonStreamingLoader.typeMismatches}.
   */
  onTypeMismatch?: 'error' | 'null'
  /** Fix the type of some columns instead of inferring it from the first batch. */
  columnTypes?: Record<string, JsonColumnType>
  /** `'auto'` (the default) gunzips files ending in `.gz` or starting with the gzip magic bytes. */
  compression?: 'auto' | 'gzip' | 'none'
  /**
   * Longest record accepted, in bytes (default 64 MiB): a longer NDJSON line is a bad record, so a
   * file without newlines cannot exhaust memory.
   */
  maxRecordBytes?: number
  /** Bytes read from the file at a time (default 64 KiB: smaller strings are cheaper for V8 than 1 MiB ones). */
  readBufferBytes?: number
}

/** The JSON-specific options with defaults applied. */
export interface ResolvedJsonOptions {
  format: JsonFormat
  path: string | undefined
  columns: string[] | undefined
  onBadRecord: 'error' | 'skip'
  onTypeMismatch: 'error' | 'null'
  columnTypes: Record<string, JsonColumnType>
  compression: 'auto' | 'gzip' | 'none'
  maxRecordBytes: number
  readBufferBytes: number
}

const COLUMN_TYPES: readonly JsonColumnType[] = ['int32', 'float64', 'bool', 'string', 'json']

function invalid(message: string): ValidationError {
  return new ValidationError(message, { code: 'INVALID_OPTION' })
}

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value)) {
    throw invalid(
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
    )
  }
  return value
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value <= 0)
    throw invalid(`${name} must be a positive integer, got ${value}`)
  return value
}

/** Applies defaults to the JSON options and validates them (a `ValidationError` names the bad one). */
export function resolveJsonOptions(options: JsonLoadOptions): ResolvedJsonOptions {
  const { path, columns, columnTypes = {} } = options
  if (path !== undefined && (typeof path !== 'string' || path === '')) {
    throw invalid(
      `path must be a non-empty dotted path such as 'data' or 'result.items', got ${JSON.stringify(path)}`,
    )
  }
  if (columns !== undefined) {
    if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) {
      throw invalid('columns must be an array of key names')
    }
    const seen = new Set<string>()
    for (const c of columns) {
      if (seen.has(c)) throw invalid(`columns names "${c}" twice`)
      seen.add(c)
    }
  }
  for (const [name, type] of Object.entries(columnTypes)) {
    if (!COLUMN_TYPES.includes(type)) {
      throw invalid(
        `columnTypes.${name} must be one of ${COLUMN_TYPES.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(type)}`,
      )
    }
    if (columns !== undefined && !columns.includes(name)) {
      throw invalid(`columnTypes names "${name}", which is not one of columns [${columns.join(', ')}]`)
    }
  }
  return {
    format: oneOf('format', options.format, ['auto', 'ndjson', 'array'], 'auto'),
    path,
    columns,
    onBadRecord: oneOf('onBadRecord', options.onBadRecord, ['error', 'skip'], 'error'),
    onTypeMismatch: oneOf('onTypeMismatch', options.onTypeMismatch, ['error', 'null'], 'error'),
    columnTypes,
    compression: oneOf('compression', options.compression, ['auto', 'gzip', 'none'], 'auto'),
    maxRecordBytes: positiveInteger('maxRecordBytes', options.maxRecordBytes, 64 * 2 ** 20),
    readBufferBytes: positiveInteger('readBufferBytes', options.readBufferBytes, 64 * 1024),
  }
}
