import { AbortError, abortErrorFrom, type ErrorLocation, NetworkError } from '../errors.js'
import { networkFailure, TransientError } from './http-errors.js'
import { type HttpSettings, MAX_BACKOFF_MS } from './http-options.js'

export { RETRYABLE_STATUSES } from './http-errors.js'

const MAX_RETRY_AFTER_MS = 30_000

/** The delay before retry number `attempt` (0-based): exponential from `baseMs`, with jitter, capped at 10 s. */
export function backoffDelay(baseMs: number, attempt: number): number {
  const ms = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt)
  return ms / 2 + Math.random() * (ms / 2)
}

/** Milliseconds a `Retry-After` header asks to wait (seconds or an HTTP date; capped at 30 s), if any. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.min(Math.max(0, seconds) * 1000, MAX_RETRY_AFTER_MS)
  const date = Date.parse(header)
  return Number.isFinite(date) ? Math.min(Math.max(0, date - Date.now()), MAX_RETRY_AFTER_MS) : undefined
}

/** Waits `ms`, rejecting with an `AbortError` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortErrorFrom(signal))
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal ? abortErrorFrom(signal) : new AbortError())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The retry policy of one request: after a failed attempt, {@link Retrier.failed} either waits the
 * backoff (or what `Retry-After` asked, capped at 30 s) or throws the error that ends the request.
 */
export class Retrier {
  readonly #settings: Pick<HttpSettings, 'retries' | 'backoffMs'>
  readonly #signal: AbortSignal | undefined
  readonly #onRetry: (() => void) | undefined
  #failures = 0

  constructor(
    settings: Pick<HttpSettings, 'retries' | 'backoffMs'>,
    signal: AbortSignal | undefined,
    onRetry?: () => void,
  ) {
    this.#settings = settings
    this.#signal = signal
    this.#onRetry = onRetry
  }

  /** True when the next failure ends the request. */
  get exhausted(): boolean {
    return this.#failures >= this.#settings.retries
  }

  /**
   * Judges a failed attempt: an abort, or an error not worth retrying, is thrown as it is (typed
   * by {@link networkFailure}); a transient one is waited out, until the retries are used up and
   * a `NetworkError` with the last failure's code says `what` failed after how many.
   */
  async failed(err: unknown, what: string, url: string, location: ErrorLocation = { url }): Promise<void> {
    if (this.#signal?.aborted) throw abortErrorFrom(this.#signal)
    const typed = networkFailure(err, url)
    if (!(typed instanceof TransientError)) throw typed
    if (this.exhausted) {
      const times = this.#failures === 1 ? '1 retry' : `${this.#failures} retries`
      throw new NetworkError(`${what} failed after ${times}: ${typed.detail}`, {
        code: typed.code,
        cause: typed,
        location,
        ...(typed.status === undefined ? {} : { status: typed.status }),
      })
    }
    await this.wait(typed.retryAfterMs)
  }

  /** Waits before the next attempt (`retryAfter` ms when the server asked, else the backoff). */
  async wait(retryAfter?: number): Promise<void> {
    await sleep(retryAfter ?? backoffDelay(this.#settings.backoffMs, this.#failures), this.#signal)
    this.#failures++
    this.#onRetry?.()
  }

  /** The attempt that failed brought enough to count as progress: the count starts again. */
  progressed(): void {
    this.#failures = 0
  }
}

/** One signal that aborts when either does. */
export function anySignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b
  if (!b || a === b) return a
  return AbortSignal.any([a, b])
}
