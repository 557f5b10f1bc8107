/**
 * Where something went wrong: every field is optional, and the message of an {@link SdError}
 * names the ones that are set.
 */
export interface ErrorLocation {
  /** File path the error concerns. */
  file?: string
  /** URL the error concerns. */
  url?: string
  /** 1-based line number in a text file. */
  line?: number
  /** 0-based byte offset in the file. */
  byte?: number
  /** 0-based row group index in a Parquet file. */
  rowGroup?: number
  /** Column name. */
  column?: string
  /** 0-based row (record) index. */
  row?: number
  /** 0-based batch index. */
  batch?: number
  /** 0-based vector (or item) index. */
  index?: number
}

/** Options accepted by every {@link SdError} constructor. */
export interface SdErrorOptions {
  /** A more specific code than the family's default, e.g. `'CSV_RAGGED_ROW'`. */
  code?: string
  /** The underlying error. */
  cause?: unknown
  /** Where it happened; appended to the message. */
  location?: ErrorLocation
}

const LOCATION_KEYS: readonly (keyof ErrorLocation)[] = [
  'file',
  'url',
  'rowGroup',
  'column',
  'line',
  'row',
  'batch',
  'index',
  'byte',
]

const LOCATION_LABELS: Record<keyof ErrorLocation, string> = {
  file: 'file',
  url: 'url',
  rowGroup: 'row group',
  column: 'column',
  line: 'line',
  row: 'row',
  batch: 'batch',
  index: 'index',
  byte: 'byte',
}

/** Formats a location as `file "a.csv", line 3, byte 120` (empty string when nothing is set). */
export function formatLocation(location: ErrorLocation | undefined): string {
  if (!location) return ''
  const parts: string[] = []
  for (const key of LOCATION_KEYS) {
    const value = location[key]
    if (value === undefined) continue
    parts.push(
      typeof value === 'string' ? `${LOCATION_LABELS[key]} "${value}"` : `${LOCATION_LABELS[key]} ${value}`,
    )
  }
  return parts.join(', ')
}

/**
 * The base of every error that crosses an sd public API. `code` is a stable string to branch on;
 * `location` says where (file, row group, line, byte); the message says what was expected and
 * what arrived, followed by the location.
 *
 * @example
 * ```ts
 * try { await loadCsv('data.csv').toArray() }
 * catch (err) { if (err instanceof SdError && err.code === 'CSV_RAGGED_ROW') console.log(err.location) }
 * ```
 */
export class SdError extends Error {
  /** Stable machine-readable code. */
  readonly code: string
  /** Where the error happened. */
  readonly location: ErrorLocation | undefined

  constructor(message: string, options: SdErrorOptions = {}, defaultCode = 'SD_ERROR') {
    const where = formatLocation(options.location)
    super(
      where ? `${message} (at ${where})` : message,
      options.cause === undefined ? {} : { cause: options.cause },
    )
    this.name = new.target.name
    this.code = options.code ?? defaultCode
    this.location = options.location
  }
}

/** A file, directory, URL, column, split or key that does not exist. Code `NOT_FOUND` by default. */
export class NotFoundError extends SdError {
  constructor(message: string, options: SdErrorOptions = {}) {
    super(message, options, 'NOT_FOUND')
  }
}

/** Input data that is malformed, truncated or corrupt. Code `FORMAT` by default. */
export class FormatError extends SdError {
  constructor(message: string, options: SdErrorOptions = {}) {
    super(message, options, 'FORMAT')
  }
}

/** An argument or option that is invalid (wrong dimension, unknown option value...). Code `VALIDATION`. */
export class ValidationError extends SdError {
  constructor(message: string, options: SdErrorOptions = {}) {
    super(message, options, 'VALIDATION')
  }
}

/** A feature the input needs that sd does not support (a codec, a dtype). Code `UNSUPPORTED`. */
export class UnsupportedError extends SdError {
  constructor(message: string, options: SdErrorOptions = {}) {
    super(message, options, 'UNSUPPORTED')
  }
}

/** An operation not allowed in the object's current state (closed, read-only). Code `STATE`. */
export class StateError extends SdError {
  constructor(message: string, options: SdErrorOptions = {}) {
    super(message, options, 'STATE')
  }
}

/** An operating-system I/O failure (permissions, disk full). Code `IO`. */
export class IoError extends SdError {
  constructor(message: string, options: SdErrorOptions = {}) {
    super(message, options, 'IO')
  }
}

/** An HTTP or connection failure. Code `NETWORK`; `status` is the HTTP status when there was one. */
export class NetworkError extends SdError {
  /** HTTP status code, when the server answered. */
  readonly status: number | undefined
  constructor(message: string, options: SdErrorOptions & { status?: number | undefined } = {}) {
    super(message, options, 'NETWORK')
    this.status = options.status
  }
}

/** The remote service refused the credentials (HTTP 401/403). Code `AUTH`. */
export class AuthError extends SdError {
  /** HTTP status code (401 or 403). */
  readonly status: number | undefined
  constructor(message: string, options: SdErrorOptions & { status?: number | undefined } = {}) {
    super(message, options, 'AUTH')
    this.status = options.status
  }
}

/** The operation was cancelled through an `AbortSignal`. Code `ABORTED`. */
export class AbortError extends SdError {
  constructor(message = 'The operation was aborted', options: SdErrorOptions = {}) {
    super(message, options, 'ABORTED')
  }
}

/** Throws an {@link AbortError} (carrying the signal's reason as `cause`) when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortErrorFrom(signal)
}

/** The {@link AbortError} that stands for an aborted signal. */
export function abortErrorFrom(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason
  if (reason instanceof AbortError) return reason
  return new AbortError('The operation was aborted', { cause: reason })
}

/** True for an {@link SdError} (also across duplicate copies of this package). */
export function isSdError(value: unknown): value is SdError {
  return (
    value instanceof SdError ||
    (value instanceof Error && typeof (value as { code?: unknown }).code === 'string' && 'location' in value)
  )
}

/** Node's `ENOENT`-style system error code of `err`, if any. */
export function systemErrorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string') {
    return (err as { code: string }).code
  }
  return undefined
}

/**
 * Turns a file-system error into the matching {@link SdError}: `ENOENT` becomes {@link NotFoundError},
 * anything else {@link IoError}, with the file named. `SdError`s pass through unchanged.
 */
export function fileSystemError(err: unknown, file: string, action = 'read'): SdError {
  if (isSdError(err)) return err
  const code = systemErrorCode(err)
  if (code === 'ENOENT')
    return new NotFoundError(`No such file or directory: expected ${file} to exist`, {
      cause: err,
      location: { file },
    })
  if (code === 'EISDIR')
    return new ValidationError(`Expected a file, got a directory`, {
      code: 'EISDIR',
      cause: err,
      location: { file },
    })
  const detail = err instanceof Error ? err.message : String(err)
  return new IoError(`Could not ${action} the file: ${detail}`, {
    code: code ? `IO_${code}` : 'IO',
    cause: err,
    location: { file },
  })
}
