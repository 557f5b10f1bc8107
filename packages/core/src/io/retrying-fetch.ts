import { BodyReader, httpAttempt } from './http-attempt.js'
import { RETRYABLE_STATUSES, TransientError } from './http-errors.js'
import { type HttpOptions, type HttpSettings, resolveHttpOptions } from './http-options.js'
import { anySignal, Retrier, retryAfterMs } from './retry.js'

/** Options of {@link retryingFetch}: the {@link HttpOptions} (but `fetch` and `headers`) and a signal. */
export interface RetryOptions extends Omit<HttpOptions, 'fetch' | 'headers'> {
  /** Aborts the request, the waits between attempts and the body. */
  signal?: AbortSignal | undefined
}

/**
 * A `fetch` with sd's HTTP behaviour ({@link HttpOptions}): every attempt has a timeout for its
 * headers and an idle timeout for its body, redirects are followed up to `maxRedirects`, and
 * GET/HEAD requests are retried on {@link RETRYABLE_STATUSES} answers (honouring `Retry-After`),
 * timeouts and failed connections, with exponential backoff. After the last retry a retryable
 * answer is returned as it is; every other failure is an `SdError` naming the URL
 * (`NetworkError` with codes such as `HTTP_TIMEOUT`, `HTTP_CONNECTION_REFUSED`,
 * `HTTP_TOO_MANY_REDIRECTS`); a body that stalls errors with `HTTP_IDLE_TIMEOUT` while it is read.
 * To retry a body that breaks too, use {@link retryingRequest}; for byte ranges, `HttpRangeReader`.
 */
export function retryingFetch(base: typeof fetch, options: RetryOptions = {}): typeof fetch {
  const settings = resolveHttpOptions({ ...options, fetch: base })
  return (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const request: RequestInit =
      typeof input === 'string' || input instanceof URL
        ? init
        : { method: input.method, headers: input.headers, ...init }
    return send(
      settings,
      url,
      request,
      anySignal(options.signal, request.signal ?? undefined),
      async (res) => res,
    )
  }
}

/**
 * Sends `init` to `url` as {@link retryingFetch} does and hands the answer to `read`; when `read`
 * fails because the body stalled or broke (a timeout or reset while reading it), the whole request
 * is tried again, within the same retries. `read` gets the final answer whatever its status (a
 * retryable one once the retries are used up); what it throws otherwise ends the request as it is.
 *
 * @example
 * ```ts
 * const json = await retryingRequest(url, {}, { timeoutMs: 5000, signal }, (res) => res.json())
 * ```
 */
export function retryingRequest<T>(
  url: string,
  init: RequestInit,
  options: HttpOptions & { signal?: AbortSignal | undefined },
  read: (res: Response) => Promise<T>,
): Promise<T> {
  const settings = resolveHttpOptions(options)
  const request = settings.headers
    ? { ...init, headers: { ...settings.headers, ...toRecord(init.headers) } }
    : init
  return send(settings, url, request, anySignal(options.signal, init.signal ?? undefined), read)
}

async function send<T>(
  settings: HttpSettings,
  url: string,
  request: RequestInit,
  signal: AbortSignal | undefined,
  read: (res: Response) => Promise<T>,
): Promise<T> {
  const method = (request.method ?? 'GET').toUpperCase()
  const idempotent = method === 'GET' || method === 'HEAD'
  const retrier = new Retrier(idempotent ? settings : { ...settings, retries: 0 }, signal)
  const what = `${method} ${url}`
  for (;;) {
    let attempt: Awaited<ReturnType<typeof httpAttempt>>
    try {
      attempt = await httpAttempt(url, request, settings, signal)
    } catch (err) {
      await retrier.failed(err, what, url)
      continue
    }
    const res = attempt.response
    if (RETRYABLE_STATUSES.has(res.status) && !retrier.exhausted) {
      await res.body?.cancel().catch(() => undefined)
      attempt.release()
      await retrier.wait(retryAfterMs(res.headers.get('retry-after')))
      continue
    }
    if (!res.body) {
      attempt.release()
      return read(res)
    }
    const body = new BodyReader(res.body, url, settings, attempt, signal)
    const stream = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const chunk = await body.read()
          if (chunk === undefined) controller.close()
          else controller.enqueue(chunk)
        },
        cancel: () => body.cancel(),
      },
      { highWaterMark: 0 },
    )
    try {
      return await read(
        new Response(stream, { status: res.status, statusText: res.statusText, headers: res.headers }),
      )
    } catch (err) {
      await body.cancel()
      if (!(signal?.aborted || err instanceof TransientError)) throw err
      await retrier.failed(err, what, url)
    }
  }
}

function toRecord(headers: RequestInit['headers']): Record<string, string> {
  return headers === undefined ? {} : Object.fromEntries(new Headers(headers))
}
