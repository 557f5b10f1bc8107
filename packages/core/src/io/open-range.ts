import { fileURLToPath } from 'node:url'
import { FileRangeReader } from './file-range.js'
import { type HttpRangeOptions, HttpRangeReader } from './http-range.js'
import type { RangeReader } from './range-reader.js'
import { isS3Url } from './s3-config.js'
import { type S3RangeOptions, S3RangeReader } from './s3-range.js'
import { isProvidedScheme, schemeOf, schemeProvider } from './schemes.js'

/** True for an `http:` or `https:` URL. */
export function isHttpUrl(source: string): boolean {
  return /^https?:\/\//i.test(source)
}

/**
 * True for a source {@link openRange} reads over the network or through a scheme provider
 * (`http(s)://`, `s3://`, `hf://`, `ipfs://`...), false for a local path.
 */
export function isRemoteSource(source: string): boolean {
  return isHttpUrl(source) || isS3Url(source) || isProvidedScheme(schemeOf(source))
}

/** Options of {@link openRange}: HTTP behaviour, the byte cache, and S3's address and credentials. */
export interface OpenRangeOptions extends HttpRangeOptions {
  /** For `s3://` sources: credentials, region, endpoint (default: the AWS environment variables). */
  s3?: S3RangeOptions['s3']
}

/**
 * A {@link RangeReader} over a local path, an `http(s)` URL, an `s3://bucket/key` object, or a URL
 * of a registered scheme (`hf://`, `ipfs://`: see `registerScheme`).
 */
export async function openRange(source: string, options: OpenRangeOptions = {}): Promise<RangeReader> {
  if (isS3Url(source)) return S3RangeReader.open(source, options)
  const { s3: _s3, ...http } = options
  if (isHttpUrl(source)) return HttpRangeReader.open(source, http)
  const scheme = schemeOf(source)
  if (scheme === 'file') return FileRangeReader.open(fileURLToPath(source), options.signal)
  if (isProvidedScheme(scheme)) return schemeProvider(source).open(source, http)
  return FileRangeReader.open(source, options.signal)
}
