import {
  AuthError,
  isSdError,
  NetworkError,
  NotFoundError,
  type SdError,
  ValidationError,
} from '../errors.js'

/**
 * A failure worth another attempt (a timeout, a dropped connection, a 408/425/429/5xx answer).
 * `detail` is the message without the location, for the error that ends the retries.
 */
export class TransientError extends NetworkError {
  readonly detail: string
  /** What the server's `Retry-After` asked for, in ms. */
  readonly retryAfterMs: number | undefined
  constructor(
    detail: string,
    options: {
      code: string
      url: string
      status?: number
      cause?: unknown
      retryAfterMs?: number | undefined
    },
  ) {
    super(detail, {
      code: options.code,
      location: { url: options.url },
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    })
    this.detail = detail
    this.retryAfterMs = options.retryAfterMs
  }
}

/** HTTP statuses worth retrying: timeouts, rate limits and server errors. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504])

const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
])
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'])
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN'])

/**
 * Turns what a `fetch` threw (undici's `TypeError: fetch failed` with the system error as its
 * cause, or a body that broke) into a typed error naming `url`:
 *
 * - `HTTP_CONNECTION_REFUSED`, `HTTP_CONNECTION_RESET`, `HTTP_TIMEOUT`, `HTTP_IDLE_TIMEOUT`,
 *   `HTTP_UNREACHABLE`, `HTTP_DNS` for a temporary lookup failure, `HTTP_NETWORK` for anything
 *   else: {@link TransientError}s, retried;
 * - `HTTP_DNS` for a host that does not exist, `HTTP_TLS` for a certificate refused,
 *   `HTTP_TOO_MANY_REDIRECTS`: `NetworkError`s, not retried;
 * - a URL fetch cannot request (unparsable, unknown scheme, blocked port): a `ValidationError`
 *   with code `INVALID_URL`.
 *
 * An `SdError` is returned unchanged.
 */
export function networkFailure(err: unknown, url: string): SdError {
  if (isSdError(err)) return err
  const code = systemCode(err)
  const text = messages(err)
  const said = text.at(-1) ?? String(err)
  const location = { url }
  if (code === 'ERR_INVALID_URL' || /unknown scheme|bad port|failed to parse url/i.test(text.join(' '))) {
    return new ValidationError(`Expected a URL fetch can request: ${said}`, {
      code: 'INVALID_URL',
      cause: err,
      location,
    })
  }
  if (code === 'ENOTFOUND')
    return new NetworkError(`The host name does not resolve (${said})`, {
      code: 'HTTP_DNS',
      cause: err,
      location,
    })
  if (code?.startsWith('ERR_TLS') || /CERT|SSL/.test(code ?? ''))
    return new NetworkError(`The TLS connection was refused: ${said}`, {
      code: 'HTTP_TLS',
      cause: err,
      location,
    })
  if (/redirect count exceeded/i.test(text.join(' ')))
    return new NetworkError(`Too many redirects: ${said}`, {
      code: 'HTTP_TOO_MANY_REDIRECTS',
      cause: err,
      location,
    })
  const transient = (detail: string, transientCode: string) =>
    new TransientError(detail, { code: transientCode, url, cause: err })
  if (code === 'ECONNREFUSED')
    return transient(`The connection was refused (${said})`, 'HTTP_CONNECTION_REFUSED')
  if (code === 'EAI_AGAIN') return transient(`The host name lookup failed for now (${said})`, 'HTTP_DNS')
  if (code !== undefined && UNREACHABLE_CODES.has(code))
    return transient(`The host is unreachable (${said})`, 'HTTP_UNREACHABLE')
  if (code !== undefined && TIMEOUT_CODES.has(code))
    return transient(`The connection timed out (${said})`, 'HTTP_TIMEOUT')
  if (code === 'UND_ERR_BODY_TIMEOUT') return transient(`The body stalled (${said})`, 'HTTP_IDLE_TIMEOUT')
  if (
    (code !== undefined && RESET_CODES.has(code)) ||
    /terminated|other side closed|socket hang up/i.test(said)
  )
    return transient(`The connection was reset (${said})`, 'HTTP_CONNECTION_RESET')
  return transient(`The request failed: ${text.join(': ') || said}`, 'HTTP_NETWORK')
}

/**
 * The error for an answer that is not a success: 401/403 an `AuthError`, 404 a `NotFoundError`,
 * 408/425/429/5xx a {@link TransientError} (with `Retry-After`), anything else a `NetworkError`;
 * each with code `HTTP_<status>` and the URL.
 */
export function statusError(res: Response, url: string, retryAfter: number | undefined): SdError {
  const status = res.status
  const code = `HTTP_${status}`
  const location = { url }
  if (RETRYABLE_STATUSES.has(status))
    return new TransientError(`HTTP ${status} ${res.statusText}`.trim(), {
      code,
      url,
      status,
      retryAfterMs: retryAfter,
    })
  if (status === 401 || status === 403)
    return new AuthError(`HTTP ${status}: the server refused access; expected valid credentials`, {
      code,
      status,
      location,
    })
  if (status === 404) return new NotFoundError('HTTP 404: no object at this URL', { code, location })
  return new NetworkError(`HTTP ${status} ${res.statusText}: expected 200 or 206`, { code, status, location })
}

/** The first Node/undici error code along the cause chain (and inside an `AggregateError`). */
function systemCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    const errors = (e as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = systemCode(errors[0])
      if (inner) return inner
    }
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** The messages along the cause chain, outermost first (`fetch failed`, then what failed). */
function messages(err: unknown): string[] {
  const out: string[] = []
  for (let e = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e.message) out.push(e.message)
    e = e.cause
  }
  return out
}
