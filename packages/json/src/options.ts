import {
  type Compression,
  type Int64Option,
  invalidOption,
  type LoaderOptions,
  nameList,
  oneOf,
  positiveInteger,
  type RemoteOptions,
  resolveInt64,
  resolveWorkers,
  type SdError,
  type WorkersOption,
} from '@sd/core'

/** How the file holds its records: one per line, or as the elements of an array in a JSON document. */
export type JsonFormat = 'auto' | 'ndjson' | 'array'

/**
 * A column type the loader can produce: `int32`, `int64` (a `BigInt64Array`), `float64` and `bool`
 * are typed arrays (with a validity bitmap when a null exists), `string` is offsets + bytes, `json`
 * (any JSON value, nested objects and arrays included) a plain array.
 */
export type JsonColumnType = 'int32' | 'int64' | 'float64' | 'bool' | 'string' | 'json'

/**
 * Options of {@link loadJson} and {@link JsonStreamingLoader}: the shared loader options, core's
 * remote options for URL and `s3://` sources (`s3`, and the HTTP options `fetch`, `headers`,
 * `retries`, `backoffMs`, `timeoutMs`, `idleTimeoutMs`, `minBytesPerSecond`, `maxRedirects`), plus
 * these.
 */
export interface JsonOptions extends LoaderOptions, RemoteOptions {
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
   * A record that is not valid JSON, not an object, or not valid UTF-8: `'error'` (the default)
   * throws a `FormatError` naming the line and byte; `'skip'` drops it and counts it in
   * `getStats().skippedRecords`.
   */
  onBadRecord?: 'error' | 'skip'
  /**
   * A value that does not fit the type its column was given from the first batch (a string in an
   * `int32` column, `2.5` in an `int32` column): `'error'` (the default) throws a `FormatError`
   * (`TYPE_MISMATCH`); `'null'` stores null and counts it in `nulledValues`; `'skip'` drops the record
   * and counts it in `skippedRecords`.
   */
  onBadValue?: 'error' | 'null' | 'skip'
  /** Called with the error of every record dropped under `'skip'` (for logging). */
  onSkip?: (error: SdError) => void
  /** Fix the type of some columns instead of inferring it from the first batch. */
  columnTypes?: Record<string, JsonColumnType>
  /**
   * Integers beyond int32 (within int64): `'bigint'` (the default) reads them into `int64`
   * columns (`BigInt64Array`), exactly, literals beyond 2^53 included; `'number'` into `float64`
   * columns (integers beyond 2^53 are rounded to the nearest double).
   */
  int64?: Int64Option
  /** `'auto'` (the default) gunzips a source that starts with the gzip magic bytes. */
  compression?: Compression
  /**
   * Longest record accepted, in bytes (default 64 MiB): a longer NDJSON line is a bad record, so a
   * file without newlines cannot exhaust memory.
   */
  maxRecordBytes?: number
  /** Bytes read at a time (default 256 KiB). */
  chunkBytes?: number
  /**
   * Bytes per unit when a dataset is sharded, shuffled or checkpointed (`dataset.shard()`...): a
   * plain NDJSON file splits into line-aligned byte ranges of about this size (default 16 MiB);
   * gzip files, byte streams and array documents are one unit.
   */
  unitBytes?: number
  /**
   * Threads that parse NDJSON: `0` (default) parses in the calling thread; `'auto'` or a count
   * splits a plain file into line-aligned ranges parsed by that many worker threads and the calling
   * thread. `'auto'` is one worker fewer than the available parallelism (at least 1).
   */
  workers?: WorkersOption
}

/** The JSON-specific options with defaults applied. */
export interface ResolvedJsonOptions {
  format: JsonFormat
  path: string | undefined
  columns: string[] | undefined
  onBadRecord: 'error' | 'skip'
  onBadValue: 'error' | 'null' | 'skip'
  onSkip: ((error: SdError) => void) | undefined
  columnTypes: Record<string, JsonColumnType>
  int64: Int64Option
  compression: Compression
  maxRecordBytes: number
  chunkBytes: number
  unitBytes: number
  workers: number
}

const COLUMN_TYPES: readonly JsonColumnType[] = ['int32', 'int64', 'float64', 'bool', 'string', 'json']

/** Applies defaults to the JSON options and validates them (a `ValidationError` names the bad one). */
export function resolveJsonOptions(options: JsonOptions): ResolvedJsonOptions {
  const { path, columnTypes = {} } = options
  if (path !== undefined && (typeof path !== 'string' || path === '')) {
    throw invalidOption(
      `path must be a non-empty dotted path such as 'data' or 'result.items', got ${JSON.stringify(path)}`,
    )
  }
  const columns = nameList('columns', options.columns)
  for (const [name, type] of Object.entries(columnTypes)) {
    if (!COLUMN_TYPES.includes(type)) {
      throw invalidOption(
        `columnTypes.${name} must be one of ${COLUMN_TYPES.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(type)}`,
      )
    }
    if (columns !== undefined && !columns.includes(name)) {
      throw invalidOption(`columnTypes names "${name}", which is not one of columns [${columns.join(', ')}]`)
    }
  }
  if (options.onSkip !== undefined && typeof options.onSkip !== 'function')
    throw invalidOption(`onSkip must be a function, got ${typeof options.onSkip}`)
  return {
    format: oneOf('format', options.format, ['auto', 'ndjson', 'array'], 'auto'),
    path,
    columns,
    onBadRecord: oneOf('onBadRecord', options.onBadRecord, ['error', 'skip'], 'error'),
    onBadValue: oneOf('onBadValue', options.onBadValue, ['error', 'null', 'skip'], 'error'),
    onSkip: options.onSkip,
    columnTypes,
    int64: resolveInt64(options.int64),
    compression: oneOf('compression', options.compression, ['auto', 'gzip', 'none'], 'auto'),
    maxRecordBytes: positiveInteger('maxRecordBytes', options.maxRecordBytes, 64 * 2 ** 20),
    chunkBytes: positiveInteger('chunkBytes', options.chunkBytes, 256 * 1024),
    unitBytes: positiveInteger('unitBytes', options.unitBytes, 16 * 2 ** 20),
    workers: resolveWorkers(options.workers, 0, true),
  }
}
