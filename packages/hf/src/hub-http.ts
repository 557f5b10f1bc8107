import { abortErrorFrom, retryingFetch as coreRetryingFetch, FormatError } from '@sd/core'
import { hubError, type RequestSubject } from './hub-errors.js'
import type { HubSettings } from './options.js'

/**
 * A `fetch` for the hub API calls: core's {@link coreRetryingFetch} (retries on 408/429/5xx and on
 * failed connections, with backoff and `Retry-After`) with the hub settings. Range reads have their
 * own retries in core's `HttpRangeReader`, which also resume a broken body.
 */
export function retryingFetch(settings: HubSettings, signal: AbortSignal | undefined): typeof fetch {
  return coreRetryingFetch(settings.fetch, {
    retries: settings.retries,
    backoffMs: settings.backoffMs,
    signal,
  })
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
