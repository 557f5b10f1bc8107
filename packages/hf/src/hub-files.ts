import { HttpRangeReader, type StreamingCache } from '@sd/core'
import { hubFileFetch } from './hub-fetch.js'
import { httpOptions } from './hub-http.js'
import type { HubSettings } from './options.js'
import type { SplitFile } from './resolve.js'

/**
 * Opens the files of a resolved split for range reads, and remembers where the CDN serves each
 * one (for as long as the loader lives: the files are pinned to a commit).
 */
export class HubFiles {
  readonly #settings: HubSettings
  readonly #fetch: typeof fetch

  constructor(settings: HubSettings) {
    this.#settings = settings
    this.#fetch = hubFileFetch(settings.fetch, settings.maxRedirects)
  }

  /**
   * A range reader over `file` at the pinned commit. Size and content hash come from the listing,
   * so opening costs no request; every read has the timeouts of the settings, retries, resumes,
   * goes through `cache`, and checks the hash the hub sends back.
   */
  open(
    file: SplitFile,
    cache: StreamingCache | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HttpRangeReader> {
    const { accessToken } = this.#settings
    return HttpRangeReader.open(file.url, {
      ...httpOptions(this.#settings),
      fetch: this.#fetch,
      ...(accessToken ? { headers: { authorization: `Bearer ${accessToken}` } } : {}),
      cache,
      signal,
      known: { byteLength: file.size, etag: file.etag },
    })
  }
}
