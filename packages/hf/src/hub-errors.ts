import { AuthError, NetworkError, NotFoundError, type SdError } from '@sd/core'

/** What a failed request was about, for the error message. */
export interface RequestSubject {
  dataset: string
  revision?: string | undefined
  url: string
}

const TOKEN_HINT = 'Set HF_TOKEN (or pass accessToken) to a token that can read it'

/**
 * The error for a failed hub answer: 401/403 an `AuthError` that says to set `HF_TOKEN`, 404 a
 * `NotFoundError` naming the dataset, revision or file (from the hub's `X-Error-Code`), anything
 * else a `NetworkError` with the status; codes `HTTP_<status>` as core gives them, but for the
 * hub's own 404s.
 */
export function hubError(
  status: number,
  headers: Headers | undefined,
  detail: string | undefined,
  subject: RequestSubject,
): SdError {
  const errorCode = headers?.get('x-error-code') ?? undefined
  const said = detail ?? headers?.get('x-error-message') ?? undefined
  const suffix = said ? `: ${said}` : ''
  const location = { url: subject.url }
  if (status === 401) {
    return new AuthError(
      `The hub refused access to dataset "${subject.dataset}" (HTTP 401${suffix}); it is private or gated, or does not exist. ${TOKEN_HINT}`,
      { code: 'HTTP_401', status, location },
    )
  }
  if (status === 403) {
    return new AuthError(
      `The hub refused access to dataset "${subject.dataset}" (HTTP 403${suffix}); the token may not read it, and a gated dataset needs its conditions accepted on its page by the token's account. ${TOKEN_HINT}`,
      { code: 'HTTP_403', status, location },
    )
  }
  if (status === 404) {
    if (errorCode === 'RevisionNotFound') {
      return new NotFoundError(
        `Expected revision "${subject.revision}" in dataset "${subject.dataset}", but the hub has no such branch, tag or commit${suffix}`,
        { code: 'HF_REVISION_NOT_FOUND', location },
      )
    }
    if (errorCode === 'EntryNotFound') {
      return new NotFoundError(`The hub has no such file in dataset "${subject.dataset}"${suffix}`, {
        code: 'HF_FILE_NOT_FOUND',
        location,
      })
    }
    return new NotFoundError(
      `Expected a dataset named "${subject.dataset}" on the hub, but it does not exist${suffix}`,
      { code: 'HF_DATASET_NOT_FOUND', location },
    )
  }
  return new NetworkError(`The hub answered HTTP ${status}${suffix}; expected 200`, {
    code: `HTTP_${status}`,
    status,
    location,
  })
}

/**
 * A range read refused with 401/403 (core's `AuthError`) gets the token advice; everything else is
 * returned unchanged.
 */
export function withTokenHint(err: unknown, dataset: string): unknown {
  if (!(err instanceof AuthError) || err.message.includes('HF_TOKEN')) return err
  return new AuthError(
    `The hub refused to serve a file of dataset "${dataset}" (HTTP ${err.status}). ${TOKEN_HINT}`,
    {
      code: err.code,
      status: err.status,
      cause: err,
      ...(err.location ? { location: err.location } : {}),
    },
  )
}

/** True for the `HubApiError` that @huggingface/hub throws (it carries the HTTP status). */
export function isHubApiError(err: unknown): err is Error & { statusCode: number; url?: string } {
  return err instanceof Error && typeof (err as { statusCode?: unknown }).statusCode === 'number'
}
