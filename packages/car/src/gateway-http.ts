import { abortErrorFrom, backoffDelay, NetworkError, RETRYABLE_STATUSES, retryAfterMs, sleep } from '@sd/core'

/** How the gateway client talks HTTP: every wait has a timeout, and failures are retried. */
export interface GatewayHttpOptions {
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch
  /** Extra request headers, e.g. `Authorization`. */
  headers?: Record<string, string>
  /** Retries of one request on timeouts, 408/425/429/5xx and dropped connections. Default 5. */
  retries?: number
  /** First backoff delay in ms, doubled each retry (with jitter, capped at 10 s). Default 100. */
  backoffMs?: number
  /** The longest one attempt waits for response headers. Default 9000 ms. */
  timeoutMs?: number
  /** The longest a response body may stay silent. Default 9000 ms. */
  idleTimeoutMs?: number
}

/** A failure worth another attempt: a timeout, a dropped connection, a 5xx answer. */
class TransientError extends NetworkError {}

/**
 * Sends `init` to `url` and hands the answer to `read`, retrying (with backoff) when the
 * connection fails, no headers arrive within `timeoutMs`, the answer is 408/425/429/5xx, or the
 * body goes silent for `idleTimeoutMs` or breaks while `read` consumes it. What `read` throws
 * otherwise ends the request as it is. After the last retry the failure is a `NetworkError`
 * naming the URL (`HTTP_TIMEOUT`, `HTTP_IDLE_TIMEOUT`, `HTTP_NETWORK`, `HTTP_<status>`).
 */
export async function retryingRequest<T>(
  url: string,
  init: RequestInit,
  options: GatewayHttpOptions & { signal?: AbortSignal | undefined },
  read: (res: Response) => Promise<T>,
): Promise<T> {
  const retries = options.retries ?? 5
  const backoffMs = options.backoffMs ?? 100
  const timeoutMs = options.timeoutMs ?? 9000
  const idleMs = options.idleTimeoutMs ?? 9000
  const doFetch = options.fetch ?? fetch
  const { signal } = options
  const headers = { ...options.headers, ...Object.fromEntries(new Headers(init.headers)) }
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw abortErrorFrom(signal)
    const controller = new AbortController()
    const onAbort = () => controller.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      let res: Response
      try {
        const answer = doFetch(url, { ...init, headers, signal: controller.signal })
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(
              new TransientError(`No response headers within ${timeoutMs} ms`, {
                code: 'HTTP_TIMEOUT',
                location: { url },
              }),
            )
            controller.abort()
          }, timeoutMs)
        })
        answer.catch(() => undefined)
        res = await Promise.race([answer, timedOut])
      } finally {
        clearTimeout(timer)
      }
      if (RETRYABLE_STATUSES.has(res.status)) {
        await res.body?.cancel().catch(() => undefined)
        const err = new TransientError(`HTTP ${res.status}`, {
          code: `HTTP_${res.status}`,
          status: res.status,
          location: { url },
        })
        if (attempt >= retries) throw finalError(err, attempt, url)
        await sleep(retryAfterMs(res.headers.get('retry-after')) ?? backoffDelay(backoffMs, attempt), signal)
        continue
      }
      const body = res.body ? idleGuard(res.body, idleMs, url, controller) : null
      return await read(
        new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers }),
      )
    } catch (err) {
      controller.abort()
      if (signal?.aborted) throw abortErrorFrom(signal)
      const transient =
        err instanceof TransientError ? err : isConnectionFailure(err) ? asTransient(err, url) : undefined
      if (!transient) throw err
      if (attempt >= retries) throw finalError(transient, attempt, url)
      await sleep(backoffDelay(backoffMs, attempt), signal)
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }
}

/** The body, failing with `HTTP_IDLE_TIMEOUT` when no byte arrives for `idleMs` while it is read. */
function idleGuard(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  url: string,
  controller: AbortController,
) {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>(
    {
      async pull(out) {
        let timer: ReturnType<typeof setTimeout> | undefined
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(
              new TransientError(`The body was silent for ${idleMs} ms`, {
                code: 'HTTP_IDLE_TIMEOUT',
                location: { url },
              }),
            )
            controller.abort()
          }, idleMs)
        })
        try {
          const next = reader.read()
          next.catch(() => undefined)
          const { done, value } = await Promise.race([next, idle])
          if (done) out.close()
          else out.enqueue(value)
        } finally {
          clearTimeout(timer)
        }
      },
      cancel: () => reader.cancel().catch(() => undefined),
    },
    { highWaterMark: 0 },
  )
}

function isConnectionFailure(err: unknown): boolean {
  return (
    err instanceof TypeError ||
    (err instanceof Error && (err.name === 'AbortError' || /terminated|socket|ECONN/i.test(err.message)))
  )
}

function asTransient(err: unknown, url: string): TransientError {
  const detail =
    err instanceof Error
      ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}`
      : String(err)
  return new TransientError(`The request failed: ${detail}`, {
    code: 'HTTP_NETWORK',
    cause: err,
    location: { url },
  })
}

function finalError(err: NetworkError, attempts: number, url: string): NetworkError {
  return new NetworkError(`${err.message.replace(/ \(at .*\)$/, '')} (after ${attempts} retries)`, {
    code: err.code,
    cause: err,
    location: { url },
    ...(err.status === undefined ? {} : { status: err.status }),
  })
}
