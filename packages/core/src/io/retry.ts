import { AbortError, abortErrorFrom, NetworkError } from '../errors.js'

/** HTTP statuses worth retrying: timeouts, rate limits and server errors. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504])

const MAX_BACKOFF_MS = 10_000
const MAX_RETRY_AFTER_MS = 30_000

/** Options of {@link retryingFetch}. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 5. */
  retries?: number
  /** First backoff delay in ms, doubled each retry (with jitter, capped at 10 s). Default 100. */
  backoffMs?: number
  /** Aborts the request and the waits between attempts. */
  signal?: AbortSignal | undefined
}

/** The delay before retry number `attempt` (0-based): exponential from `baseMs`, with jitter, capped at 10 s. */
export function backoffDelay(baseMs: number, attempt: number): number {
  const ms = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt)
  return ms / 2 + Math.random() * (ms / 2)
}

/** Milliseconds a `Retry-After` header asks to wait (seconds or an HTTP date; capped at 30 s), if any. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS)
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
 * A `fetch` that retries on {@link RETRYABLE_STATUSES} answers (honouring `Retry-After`) and on
 * failed connections, with exponential backoff. After the last retry a retryable answer is
 * returned as it is; a failed connection becomes a `NetworkError` (code `HTTP_NETWORK`) naming the
 * URL. For bodies that break midway, read ranges with `HttpRangeReader`, which resumes them.
 */
export function retryingFetch(base: typeof fetch, options: RetryOptions = {}): typeof fetch {
  const retries = options.retries ?? 5
  const backoffMs = options.backoffMs ?? 100
  const signal = options.signal
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    for (let attempt = 0; ; attempt++) {
      let res: Response
      try {
        res = await base(input, { ...init, ...(signal ? { signal } : {}) })
      } catch (err) {
        if (signal?.aborted) throw abortErrorFrom(signal)
        if (attempt >= retries) {
          const detail = err instanceof Error ? err.message : String(err)
          throw new NetworkError(`Request failed after ${attempt} retries: ${detail}`, {
            code: 'HTTP_NETWORK',
            cause: err,
            location: { url },
          })
        }
        await sleep(backoffDelay(backoffMs, attempt), signal)
        continue
      }
      if (!RETRYABLE_STATUSES.has(res.status) || attempt >= retries) return res
      await res.body?.cancel().catch(() => undefined)
      await sleep(retryAfterMs(res.headers.get('retry-after')) ?? backoffDelay(backoffMs, attempt), signal)
    }
  }
}
