import { NetworkError } from '@sd/core'

const REDIRECTS = new Set([301, 302, 303, 307, 308])
// a stored CDN location answering one of these has expired: go through the hub again
const STALE = new Set([400, 401, 403, 404, 410])

interface Location {
  url: string
  etag: string | undefined
}

/**
 * The `fetch` range reads of hub files go through. The hub answers `/resolve/{commit}/{path}` of
 * a large file with a redirect to a CDN (signed URL); this follows it itself so that:
 *
 * - the `Authorization` header never reaches another host (it is dropped on a cross-origin hop);
 * - the CDN location is remembered per file, so later ranges skip the hub round trip (it is
 *   forgotten and the hub asked again when the CDN refuses it, e.g. once the signature expired);
 * - the answer carries the hub's `X-Linked-Etag` (the content hash the listing gave) as its
 *   `ETag`, so core's `HttpRangeReader` pins the same tag whichever CDN answers. A redirect
 *   without one drops the CDN's own tag: the URL names a commit, so its bytes cannot change.
 *
 * It follows at most `maxRedirects` hops (`HTTP_TOO_MANY_REDIRECTS`, not retried). Timeouts and
 * retries are the reader's: this runs inside each of its attempts, with the attempt's signal.
 */
export function hubFileFetch(base: typeof fetch, maxRedirects: number): typeof fetch {
  const locations = new Map<string, Location>()
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const known = locations.get(url)
    if (known) {
      const res = await base(known.url, { ...init, headers: headersFor(url, known.url, init.headers) })
      if (!STALE.has(res.status)) return withEtag(res, known)
      await res.body?.cancel().catch(() => undefined)
      locations.delete(url)
    }
    let current = url
    let linkedEtag: string | undefined
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const res = await base(current, {
        ...init,
        headers: headersFor(url, current, init.headers),
        redirect: 'manual',
      })
      const location = REDIRECTS.has(res.status) ? res.headers.get('location') : null
      if (location === null) {
        if (current === url) return res
        const target = { url: current, etag: linkedEtag }
        if (res.ok) locations.set(url, target)
        return withEtag(res, target)
      }
      linkedEtag ??= res.headers.get('x-linked-etag') ?? undefined
      await res.body?.cancel().catch(() => undefined)
      current = new URL(location, current).href
    }
    throw new NetworkError(`Expected the hub to serve the file within ${maxRedirects} redirects`, {
      code: 'HTTP_TOO_MANY_REDIRECTS',
      location: { url },
    })
  }
}

/** The request headers for `target`, without `Authorization` when it is not on the hub's origin. */
function headersFor(hubUrl: string, target: string, headers: RequestInit['headers']): Headers {
  const out = new Headers(headers)
  if (new URL(target).origin !== new URL(hubUrl).origin) out.delete('authorization')
  return out
}

/** The answer with the hub's content hash as its ETag (or no ETag when the hub gave none). */
function withEtag(res: Response, location: Location): Response {
  const headers = new Headers(res.headers)
  if (location.etag === undefined) headers.delete('etag')
  else headers.set('etag', location.etag)
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
}
