import {
  type HttpRangeOptions,
  HttpRangeReader,
  type RangeReader,
  type RangeScheme,
  ValidationError,
} from '@sd/core'
import { listTree } from './hub-api.js'
import { hubFileFetch } from './hub-fetch.js'
import { httpOptions } from './hub-http.js'
import { type HubSettings, resolveHubSettings } from './options.js'

/** The parts of an `hf://datasets/{org}/{name}[@{revision}]/{path}` URL. */
export interface HfUrl {
  /** `org/name`. */
  dataset: string
  /** Branch, tag or commit; `undefined` for the default branch. */
  revision: string | undefined
  /** Path inside the repository (no leading `/`; empty for the root). */
  path: string
}

/**
 * Parses `hf://datasets/{org}/{name}[@{revision}]/{path}`, the form Hugging Face's own file system
 * uses (the revision may be URL-encoded: `@refs%2Fconvert%2Fparquet`).
 */
export function parseHfUrl(url: string): HfUrl {
  const m = /^hf:\/\/datasets\/([^/@]+)\/([^/@]+)(?:@([^/]+))?(?:\/(.*))?$/i.exec(url)
  if (!m) {
    throw new ValidationError(`Expected hf://datasets/{org}/{name}[@{revision}]/{path}, got "${url}"`, {
      code: 'HF_INVALID_URL',
      location: { url },
    })
  }
  const revision = m[3] === undefined ? undefined : decodeURIComponent(m[3])
  return { dataset: `${m[1]}/${m[2]}`, revision, path: m[4] ?? '' }
}

function settingsFrom(options: HttpRangeOptions): HubSettings {
  const { headers: _ignored, cache: _cache, known: _known, signal: _signal, ...http } = options
  return resolveHubSettings(http)
}

function revisionSegment(revision: string | undefined): string {
  return encodeURIComponent(revision ?? 'main')
}

/**
 * The `hf://` scheme for core's `openRange` (and so for every loader that takes a URL): a file of a
 * hub dataset read by range requests, with the token (`HF_TOKEN`), endpoint (`HF_ENDPOINT`),
 * timeouts and retries of the hub client; a folder URL (ending in `/`) lists its files. Register it
 * with `registerScheme(hfScheme)` or `import '@sd/hf/register'`.
 *
 * @example
 * ```ts
 * import { registerScheme } from '@sd/core'
 * import { hfScheme } from '@sd/hf'
 * import { loadParquet } from '@sd/parquet'
 * registerScheme(hfScheme)
 * const ds = loadParquet('hf://datasets/org/name@refs%2Fconvert%2Fparquet/default/train/0000.parquet')
 * ```
 */
export const hfScheme: RangeScheme = {
  scheme: 'hf',
  async open(url: string, options: HttpRangeOptions): Promise<RangeReader> {
    const { dataset, revision, path } = parseHfUrl(url)
    if (path === '' || path.endsWith('/')) {
      throw new ValidationError(`Expected the URL of a file, got a folder: "${url}"`, {
        code: 'HF_INVALID_URL',
        location: { url },
      })
    }
    const settings = settingsFrom(options)
    const encodedPath = path.split('/').map(encodeURIComponent).join('/')
    const resolved = `${settings.hubUrl}/datasets/${dataset}/resolve/${revisionSegment(revision)}/${encodedPath}`
    return HttpRangeReader.open(resolved, {
      ...httpOptions(settings),
      fetch: hubFileFetch(settings.fetch, settings.maxRedirects),
      ...(settings.accessToken ? { headers: { authorization: `Bearer ${settings.accessToken}` } } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })
  },
  async list(url: string, options: HttpRangeOptions): Promise<string[]> {
    const { dataset, revision, path } = parseHfUrl(url)
    const settings = settingsFrom(options)
    const prefix = path === '' || path.endsWith('/') ? path : `${path}/`
    const base = `hf://datasets/${dataset}${revision === undefined ? '' : `@${encodeURIComponent(revision)}`}/`
    const files = await listTree(settings, dataset, revisionSegment(revision), options.signal)
    return files
      .map((f) => f.path)
      .filter((p) => p.startsWith(prefix))
      .sort()
      .map((p) => `${base}${p}`)
  },
}
