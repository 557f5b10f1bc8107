import { SdError } from '../errors.js'
import type { HttpRangeOptions } from './http-range.js'
import type { RangeReader } from './range-reader.js'

/**
 * How a URL scheme beyond `http(s)://`, `s3://` and plain paths becomes bytes: a package that
 * knows the scheme (`@sd/hf` for `hf://`, `@sd/car` for `ipfs://`) registers one, and from then on
 * every loader that takes a path or URL reads it.
 */
export interface RangeScheme {
  /** The scheme without `://`, lower case (`'hf'`). */
  readonly scheme: string
  /** A range reader over the object the URL names. */
  open(url: string, options: HttpRangeOptions): Promise<RangeReader>
  /**
   * The URLs of the objects below a URL that ends with `/` (a folder), in a stable order; absent
   * when the scheme has no folders.
   */
  list?(url: string, options: HttpRangeOptions): Promise<string[]>
}

const registry = new Map<string, RangeScheme>()

/** The packages that provide schemes users meet, to name in the error when one is not registered. */
const PROVIDERS: Readonly<Record<string, string>> = { hf: '@sd/hf', ipfs: '@sd/car' }

/**
 * Makes every loader read `scheme://` URLs through `provider`. Registering a scheme again
 * replaces the earlier provider.
 *
 * @example
 * ```ts
 * import '@sd/hf/register'   // registers hf://
 * const ds = loadParquet('hf://datasets/org/name/data/train-00000.parquet')
 * ```
 */
export function registerScheme(provider: RangeScheme): void {
  registry.set(provider.scheme.toLowerCase(), provider)
}

/** The scheme of a `scheme://...` URL (lower case), or `undefined` for a path. */
export function schemeOf(source: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(source)
  // a Windows drive letter is a path, not a scheme
  return m && (m[1] as string).length > 1 ? (m[1] as string).toLowerCase() : undefined
}

/** The registered provider of the URL's scheme, if any. */
export function registeredScheme(source: string): RangeScheme | undefined {
  const scheme = schemeOf(source)
  return scheme === undefined ? undefined : registry.get(scheme)
}

/**
 * The provider of a URL whose scheme is not one core reads itself: registered, or an `SdError`
 * (`MISSING_PEER` when a known package provides it, `UNSUPPORTED_SCHEME` otherwise).
 */
export function schemeProvider(source: string): RangeScheme {
  const scheme = schemeOf(source) ?? ''
  const found = registry.get(scheme)
  if (found) return found
  const pkg = PROVIDERS[scheme]
  if (pkg) {
    throw new SdError(
      `${scheme}:// sources need ${pkg}: install it and import '${pkg}/register' once (it registers the scheme)`,
      { code: 'MISSING_PEER', location: { url: source } },
    )
  }
  throw new SdError(
    `Cannot read ${scheme}:// sources: expected a path or an http(s)://, s3:// or registered URL`,
    {
      code: 'UNSUPPORTED_SCHEME',
      location: { url: source },
    },
  )
}

/** True when `scheme` is read through a registered provider (not `http`, `https`, `s3` or `file`). */
export function isProvidedScheme(scheme: string | undefined): boolean {
  return scheme !== undefined && !['http', 'https', 's3', 'file'].includes(scheme)
}
