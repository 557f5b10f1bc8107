import { ValidationError } from '../errors.js'

/**
 * How sd talks HTTP: the options every HTTP reader of sd takes (core's `HttpRangeReader` and
 * `retryingFetch`, URL sources of `loadParquet`, the hub client of `loadHuggingFace`).
 *
 * One request is tried at most `retries + 1` times. An attempt fails when no response headers
 * arrived within `timeoutMs` (connection, TLS, redirects and the server's thinking included), or
 * when its body stalls: fewer than `minBytesPerSecond` x `idleTimeoutMs` bytes (at least one)
 * arrive within `idleTimeoutMs` while sd waits for them. With the defaults a server that accepts
 * connections and never answers fails a read within {@link httpTimeBudgetMs} (57.1 s).
 */
export interface HttpOptions {
  /** The `fetch` every request goes through (default: the global one). */
  fetch?: typeof fetch
  /** Extra request headers, e.g. `Authorization`. Dropped on a redirect to another origin. */
  headers?: Record<string, string>
  /** Retries of one request on timeouts, 408, 425, 429, 5xx and failed connections. Default 5. */
  retries?: number
  /** First backoff delay in ms, doubled on each retry (with jitter, capped at 10 s). Default 100. */
  backoffMs?: number
  /** The longest one attempt waits for response headers, redirects included. Default 9000 ms. */
  timeoutMs?: number
  /** The longest a response body may stall (see `minBytesPerSecond`) before the attempt fails. Default 9000 ms. */
  idleTimeoutMs?: number
  /**
   * A body slower than this over a whole `idleTimeoutMs` window counts as stalled, so a server that
   * trickles a byte a second fails like a silent one. 0: only complete silence counts. Default 1024.
   */
  minBytesPerSecond?: number
  /** Redirects followed per attempt; one more fails with `HTTP_TOO_MANY_REDIRECTS`. Default 10. */
  maxRedirects?: number
}

/** {@link HttpOptions} with defaults applied. */
export interface HttpSettings {
  fetch: typeof fetch
  headers: Record<string, string> | undefined
  retries: number
  backoffMs: number
  timeoutMs: number
  idleTimeoutMs: number
  minBytesPerSecond: number
  maxRedirects: number
}

/** The defaults of {@link HttpOptions} (`fetch` aside). */
export const HTTP_DEFAULTS = Object.freeze({
  retries: 5,
  backoffMs: 100,
  timeoutMs: 9000,
  idleTimeoutMs: 9000,
  minBytesPerSecond: 1024,
  maxRedirects: 10,
})

const HTTP_KEYS = [
  'fetch',
  'headers',
  'retries',
  'backoffMs',
  'timeoutMs',
  'idleTimeoutMs',
  'minBytesPerSecond',
  'maxRedirects',
] as const satisfies readonly (keyof HttpOptions)[]

/**
 * The {@link HttpOptions} among `options` (a loader's options, resolved settings...), without
 * the keys that are undefined, to hand to `HttpRangeReader.open` or `retryingFetch`.
 */
export function pickHttpOptions(options: HttpOptions | HttpSettings): HttpOptions {
  const out: Record<string, unknown> = {}
  for (const key of HTTP_KEYS) if (options[key] !== undefined) out[key] = options[key]
  return out as HttpOptions
}

/** The longest backoff between two attempts (Retry-After aside). */
export const MAX_BACKOFF_MS = 10_000

/**
 * Applies the defaults to `options` and validates them (a `ValidationError` with code
 * `INVALID_OPTION` names the bad one). The global `fetch` is looked up at call time.
 */
export function resolveHttpOptions(options: HttpOptions = {}): HttpSettings {
  const settings: HttpSettings = {
    fetch: options.fetch ?? globalThis.fetch,
    headers: options.headers,
    retries: options.retries ?? HTTP_DEFAULTS.retries,
    backoffMs: options.backoffMs ?? HTTP_DEFAULTS.backoffMs,
    timeoutMs: options.timeoutMs ?? HTTP_DEFAULTS.timeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? HTTP_DEFAULTS.idleTimeoutMs,
    minBytesPerSecond: options.minBytesPerSecond ?? HTTP_DEFAULTS.minBytesPerSecond,
    maxRedirects: options.maxRedirects ?? HTTP_DEFAULTS.maxRedirects,
  }
  if (typeof settings.fetch !== 'function') invalid('fetch must be a function', settings.fetch)
  for (const name of ['retries', 'maxRedirects'] as const) {
    const value = settings[name]
    if (!Number.isInteger(value) || value < 0) invalid(`${name} must be a non-negative integer`, value)
  }
  for (const name of ['backoffMs', 'minBytesPerSecond'] as const) {
    const value = settings[name]
    if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY)
      invalid(`${name} must be a non-negative number`, value)
  }
  for (const name of ['timeoutMs', 'idleTimeoutMs'] as const) {
    const value = settings[name]
    // setTimeout fires at once for delays beyond 2^31 - 1 ms
    if (typeof value !== 'number' || !(value > 0) || value > 2 ** 31 - 1)
      invalid(`${name} must be a positive number of milliseconds (at most 2^31 - 1)`, value)
  }
  return settings
}

/**
 * The longest a request to a server that accepts connections but never answers can take before
 * it fails: every attempt waits `timeoutMs`, and the backoffs between them add up (at their
 * largest, jitter aside). A server that sends headers and then nothing costs the same with
 * `idleTimeoutMs` in place of `timeoutMs`. `Retry-After` waits (capped at 30 s each) come on top,
 * but only a server that answers can ask for them.
 *
 * @example
 * ```ts
 * httpTimeBudgetMs() // 57100: 6 attempts x 9 s + 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s of backoff
 * ```
 */
export function httpTimeBudgetMs(options: HttpOptions = {}): number {
  const { retries, backoffMs, timeoutMs, idleTimeoutMs } = resolveHttpOptions(options)
  let total = (retries + 1) * Math.max(timeoutMs, idleTimeoutMs)
  for (let attempt = 0; attempt < retries; attempt++)
    total += Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** attempt)
  return total
}

function invalid(what: string, value: unknown): never {
  throw new ValidationError(`${what}, got ${String(value)}`, { code: 'INVALID_OPTION' })
}
