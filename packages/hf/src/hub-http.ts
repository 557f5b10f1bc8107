import { AbortError, abortErrorFrom, FormatError, NetworkError } from '@sd/core'
import { hubError, type RequestSubject } from './hub-errors.js'
import type { HubSettings } from './options.js'

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504])
const MAX_BACKOFF_MS = 10_000

/**
 * A `fetch` that retries GET requests on 408/429/5xx answers and on failed connections, with
 * exponential backoff (honouring `Retry-After`). The hub API calls go through it; range reads
 * have their own retries in core's `HttpRangeReader`, which also resume a broken body.
 */
export function retryingFetch(settings: HubSettings, signal: AbortSignal | undefined): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    for (let attempt = 0; ; attempt++) {
      let res: Response
      try {
        res = await settings.fetch(input, { ...init, ...(signal ? { signal } : {}) })
      } catch (err) {
        if (signal?.aborted) throw abortErrorFrom(signal)
        if (attempt >= settings.retries) {
          const detail = err instanceof Error ? err.message : String(err)
          throw new NetworkError(`Request to the hub failed after ${attempt} retries: ${detail}`, {
            code: 'HF_NETWORK',
            cause: err,
            location: { url },
          })
        }
        await sleep(backoff(settings.backoffMs, attempt), signal)
        continue
      }
      if (!RETRYABLE.has(res.status) || attempt >= settings.retries) return res
      await res.body?.cancel().catch(() => undefined)
      await sleep(
        retryAfterMs(res.headers.get('retry-after')) ?? backoff(settings.backoffMs, attempt),
        signal,
      )
    }
  }
}

/** GETs a hub API URL as JSON with the token, retries and the hub's error mapping. */
export async function getJson(
  settings: HubSettings,
  url: string,
  subject: RequestSubject,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (settings.accessToken) headers.authorization = `Bearer ${settings.accessToken}`
  const res = await retryingFetch(settings, signal)(url, { headers })
  if (!res.ok) throw hubError(res.status, res.headers, await errorDetail(res), subject)
  try {
    return await res.json()
  } catch (err) {
    if (signal?.aborted) throw abortErrorFrom(signal)
    throw new FormatError('Expected a JSON answer from the hub API, got something else', {
      code: 'HF_BAD_RESPONSE',
      cause: err,
      location: { url },
    })
  }
}

/** The hub's explanation of an error answer (its JSON `error` field, or the start of the text). */
async function errorDetail(res: Response): Promise<string | undefined> {
  const text = await res.text().catch(() => '')
  if (!text) return undefined
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown }
    const said = json.error ?? json.message
    if (typeof said === 'string') return said
  } catch {
    // not JSON: the text itself says it
  }
  return text.slice(0, 200)
}

function backoff(baseMs: number, attempt: number): number {
  const ms = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt)
  return ms / 2 + Math.random() * (ms / 2)
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, 30_000)
  const date = Date.parse(header)
  return Number.isFinite(date) ? Math.min(Math.max(0, date - Date.now()), 30_000) : undefined
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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
