import { FileRangeReader } from './file-range.js'
import { type HttpRangeOptions, HttpRangeReader } from './http-range.js'
import type { RangeReader } from './range-reader.js'

/** True for an `http:` or `https:` URL. */
export function isHttpUrl(source: string): boolean {
  return /^https?:\/\//i.test(source)
}

/** A {@link RangeReader} over a local path or an `http(s)` URL. */
export function openRange(source: string, options: HttpRangeOptions = {}): Promise<RangeReader> {
  return isHttpUrl(source)
    ? HttpRangeReader.open(source, options)
    : FileRangeReader.open(source, options.signal)
}
