import {
  retryingFetch as coreRetryingFetch,
  FormatError,
  type HttpOptions,
  isSdError,
  pickHttpOptions,
  retryingRequest,
} from '@sd/core'
import { hubError, type RequestSubject } from './hub-errors.js'
import type { HubSettings } from './options.js'

/**
 * A `fetch` for hub API calls made by `@huggingface/hub` (the tree listing): core's
 * {@link coreRetryingFetch} with the hub settings, so every attempt has the timeouts, redirects are
 * capped at `maxRedirects`, and 408/429/5xx answers, timeouts and failed connections are retried
 * with backoff and `Retry-After`. Range reads have their own retries in core's `HttpRangeReader`,
 * which also resume a broken body.
 */
export function retryingFetch(settings: HubSettings, signal: AbortSignal | undefined): typeof fetch {
  return coreRetryingFetch(settings.fetch, { ...httpOptions(settings), signal })
}

/** Core's HTTP options from the hub settings (the hub client sets its own headers). */
export function httpOptions(settings: HubSettings): Omit<HttpOptions, 'headers'> {
  const { headers: _none, ...http } = pickHttpOptions(settings)
  return http
}

/**
 * GETs a hub API URL as JSON with the token, the hub settings (timeouts, capped redirects,
 * retries: an answer whose body stalls or breaks is asked for again) and the hub's error mapping.
 */
export function getJson(
  settings: HubSettings,
  url: string,
  subject: RequestSubject,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (settings.accessToken) headers.authorization = `Bearer ${settings.accessToken}`
  return retryingRequest(url, { headers }, { ...httpOptions(settings), signal }, async (res) => {
    if (!res.ok) throw hubError(res.status, res.headers, await errorDetail(res), subject)
    const text = await res.text()
    try {
      return JSON.parse(text) as unknown
    } catch (err) {
      throw new FormatError('Expected a JSON answer from the hub API, got something else', {
        code: 'HF_BAD_RESPONSE',
        cause: err,
        location: { url },
      })
    }
  })
}

/** The hub's explanation of an error answer (its JSON `error` field, or the start of the text). */
async function errorDetail(res: Response): Promise<string | undefined> {
  const text = await res.text().catch((err: unknown) => {
    // a body that stalls or breaks is the transport's failure: let the request be retried
    if (isSdError(err)) throw err
    return ''
  })
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
