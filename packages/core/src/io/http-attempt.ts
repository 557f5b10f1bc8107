import { abortErrorFrom, NetworkError } from '../errors.js'
import { networkFailure, TransientError } from './http-errors.js'
import type { HttpSettings } from './http-options.js'

const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** Credentials a redirect to another origin must not carry (as `fetch` itself does). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization']

/** An answer to one attempt, with what it takes to stop it. */
export interface Attempt {
  response: Response
  /** The URL that answered (after redirects). */
  url: string
  /** Aborts the attempt (its connection and any body still arriving) and releases it. */
  abort(): void
  /** Stops listening to the caller's signal; call it once the body was read or cancelled. */
  release(): void
}

/**
 * One attempt at `url`: sends the request through `settings.fetch`, follows up to
 * `settings.maxRedirects` redirects itself (dropping credentials on a hop to another origin), and
 * fails with `HTTP_TIMEOUT` when no final answer arrived within `settings.timeoutMs`. Errors are
 * typed ({@link networkFailure}); an aborted `signal` gives an `AbortError`, at once even when the
 * `fetch` ignores its signal. Statuses are the caller's to judge; the body is not read.
 */
export async function httpAttempt(
  url: string,
  init: RequestInit,
  settings: HttpSettings,
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  if (signal?.aborted) throw abortErrorFrom(signal)
  const controller = new AbortController()
  let rejectAborted: (err: unknown) => void = () => undefined
  const aborted = new Promise<never>((_, reject) => {
    rejectAborted = reject
  })
  const onAbort = () => {
    controller.abort(signal?.reason)
    if (signal) rejectAborted(abortErrorFrom(signal))
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  const release = () => signal?.removeEventListener('abort', onAbort)
  const abort = () => {
    release()
    controller.abort()
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new TransientError(`No response headers within ${settings.timeoutMs} ms`, {
          code: 'HTTP_TIMEOUT',
          url,
        }),
      )
      controller.abort()
    }, settings.timeoutMs)
  })
  const work = follow(url, init, settings, controller.signal)
  work.then(
    (answer) => {
      // the attempt lost the race (timeout or abort): release its connection
      if (controller.signal.aborted) void answer.response.body?.cancel().catch(() => undefined)
    },
    () => undefined,
  )
  try {
    // a fetch that ignores its signal must not hold the attempt past its timeout or an abort
    const answer = await Promise.race([work, timedOut, aborted])
    return { ...answer, abort, release }
  } catch (err) {
    abort()
    if (signal?.aborted) throw abortErrorFrom(signal)
    throw networkFailure(err, url)
  } finally {
    clearTimeout(timer)
  }
}

async function follow(
  url: string,
  init: RequestInit,
  settings: HttpSettings,
  signal: AbortSignal,
): Promise<{ response: Response; url: string }> {
  let current = url
  let headers = init.headers
  let method = init.method ?? 'GET'
  let body = init.body
  for (let hop = 0; ; hop++) {
    const response = await settings.fetch(current, {
      ...init,
      method,
      ...(headers === undefined ? {} : { headers }),
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
      signal,
    })
    const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null
    if (location === null) return { response, url: current }
    await response.body?.cancel().catch(() => undefined)
    if (hop >= settings.maxRedirects) {
      throw new NetworkError(
        `Expected an answer within ${settings.maxRedirects} redirects; the last one pointed at ${new URL(location, current).href}`,
        { code: 'HTTP_TOO_MANY_REDIRECTS', status: response.status, location: { url } },
      )
    }
    const next = new URL(location, current)
    if (next.origin !== new URL(current).origin) {
      const kept = new Headers(headers)
      for (const name of CREDENTIAL_HEADERS) kept.delete(name)
      headers = kept
    }
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST')
    ) {
      method = method === 'HEAD' ? 'HEAD' : 'GET'
      body = undefined
    }
    current = next.href
  }
}

/**
 * Reads a response body chunk by chunk and fails with `HTTP_IDLE_TIMEOUT` (a
 * {@link TransientError}) when it stalls: fewer than `minBytesPerSecond` x `idleTimeoutMs` bytes
 * (at least one) arrive within one `idleTimeoutMs` window while a read waits. Time the caller spends between reads does not count. A broken body gives the typed
 * error of {@link networkFailure}.
 */
export class BodyReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>
  readonly #url: string
  readonly #idleMs: number
  readonly #floor: number
  readonly #attempt: Pick<Attempt, 'abort' | 'release'>
  readonly #signal: AbortSignal | undefined
  #received = 0
  #windowStart = 0
  #waiting = false
  /** What the window that failed asked for and got, once the body stalled. */
  #stalled: { wanted: number; got: number } | undefined
  #done = false
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    body: ReadableStream<Uint8Array>,
    url: string,
    settings: HttpSettings,
    attempt: Pick<Attempt, 'abort' | 'release'>,
    signal: AbortSignal | undefined,
  ) {
    this.#reader = body.getReader()
    this.#url = url
    this.#idleMs = settings.idleTimeoutMs
    this.#floor = Math.max(1, Math.floor((settings.minBytesPerSecond * settings.idleTimeoutMs) / 1000))
    this.#attempt = attempt
    this.#signal = signal
  }

  /** Bytes read so far. */
  get received(): number {
    return this.#received
  }

  /** The next chunk, or `undefined` at the end of the body. */
  async read(): Promise<Uint8Array | undefined> {
    if (this.#done) return undefined
    if (this.#timer === undefined) this.#arm()
    this.#waiting = true
    let result: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>
    try {
      result = await this.#reader.read()
    } catch (err) {
      this.#stop()
      if (this.#signal?.aborted) throw abortErrorFrom(this.#signal)
      if (this.#stalled) throw this.#stallError(this.#stalled)
      throw networkFailure(err, this.#url)
    } finally {
      this.#waiting = false
    }
    if (this.#signal?.aborted) {
      this.#stop()
      throw abortErrorFrom(this.#signal)
    }
    if (this.#stalled) {
      this.#stop()
      throw this.#stallError(this.#stalled)
    }
    if (result.done) {
      this.#done = true
      this.#stop()
      return undefined
    }
    this.#received += result.value.byteLength
    return result.value
  }

  /** Stops reading: cancels the rest of the body and releases the connection. */
  async cancel(): Promise<void> {
    this.#done = true
    this.#stop()
    await this.#reader.cancel().catch(() => undefined)
  }

  #arm(): void {
    this.#windowStart = this.#received
    this.#timer = setTimeout(() => this.#check(), this.#idleMs)
  }

  #check(): void {
    const got = this.#received - this.#windowStart
    // a body still incomplete after a window that brought less than the floor has stalled
    if (this.#waiting && got < this.#floor) {
      this.#stalled = { wanted: this.#floor, got }
      this.#timer = undefined
      void this.#reader.cancel().catch(() => undefined)
      this.#attempt.abort()
      return
    }
    // the caller is not reading: the next read starts a fresh window
    if (this.#waiting) this.#arm()
    else this.#timer = undefined
  }

  #stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#attempt.release()
  }

  #stallError({ wanted, got }: { wanted: number; got: number }): TransientError {
    const expected = wanted === 1 ? 'a byte' : `at least ${wanted} bytes`
    return new TransientError(
      `The body stalled: expected ${expected} within ${this.#idleMs} ms, got ${got}`,
      {
        code: 'HTTP_IDLE_TIMEOUT',
        url: this.#url,
      },
    )
  }
}
