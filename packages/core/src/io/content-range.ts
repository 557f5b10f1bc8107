import { NetworkError, type SdError } from '../errors.js'
import { statusError } from './http-errors.js'
import { retryAfterMs } from './retry.js'

/** A parsed `Content-Range: bytes <first>-<last>/<total>` header (`total` undefined for `*`). */
export interface ContentRange {
  /** First byte, inclusive. */
  first: number
  /** Last byte, inclusive. */
  last: number
  total: number | undefined
}

const RANGE = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i
const UNSATISFIED = /^\s*bytes\s+\*\/(\d+)\s*$/i

/** Parses the header of a 206 answer; `undefined` when it is missing or not of that form. */
export function parseContentRange(header: string | null): ContentRange | undefined {
  const match = header === null ? null : RANGE.exec(header)
  if (!match) return undefined
  const first = Number(match[1])
  const last = Number(match[2])
  const total = match[3] === '*' ? undefined : Number(match[3])
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) return undefined
  if (total !== undefined && (!Number.isSafeInteger(total) || last >= total)) return undefined
  return { first, last, total }
}

/** The total of a 416 answer's `Content-Range: bytes *\/<total>`, if it has one. */
export function unsatisfiedTotal(header: string | null): number | undefined {
  const match = header === null ? null : UNSATISFIED.exec(header)
  const total = match ? Number(match[1]) : Number.NaN
  return Number.isSafeInteger(total) ? total : undefined
}

/**
 * The error for a 206 answer that does not carry the bytes asked for (`HTTP_BAD_RANGE`, not
 * retried): its `Content-Range` is missing, malformed or names other bytes, or its body is longer
 * or shorter than the range it names.
 */
export function badRange(url: string, asked: string, said: string): NetworkError {
  return new NetworkError(`Asked for ${asked}; the server answered 206 with ${said}`, {
    code: 'HTTP_BAD_RANGE',
    status: 206,
    location: { url },
  })
}

/** The size of the object from the answer to `bytes=0-0`. */
export function probedSize(res: Response, url: string): number {
  if (res.status === 206) {
    const said = res.headers.get('content-range')
    const range = parseContentRange(said)
    if (range?.first !== 0 || range.last !== 0 || range.total === undefined)
      throw badRange(url, 'bytes 0-0 (to learn the size)', `Content-Range ${JSON.stringify(said)}`)
    return range.total
  }
  if (res.status === 416) {
    // only an empty object cannot satisfy bytes=0-0
    const total = unsatisfiedTotal(res.headers.get('content-range'))
    if (total === undefined || total === 0) return 0
    throw new NetworkError(`HTTP 416 to bytes=0-0, yet the object has ${total} bytes`, {
      code: 'HTTP_416',
      status: 416,
      location: { url },
    })
  }
  if (res.status !== 200) throw unexpectedStatus(res, url, 'bytes 0-0')
  const length = contentLength(res)
  if (length === undefined) {
    throw new NetworkError(
      'Expected a 206 answer with Content-Range, or a Content-Length, to learn the size',
      { code: 'HTTP_NO_SIZE', location: { url } },
    )
  }
  return length
}

/** The error for an answer to a range request that is neither 200 nor 206. */
export function unexpectedStatus(res: Response, url: string, asked: string): SdError {
  if (res.status >= 300) return statusError(res, url, retryAfterMs(res.headers.get('retry-after')))
  return new NetworkError(`Asked for ${asked}; expected 200 or 206, got HTTP ${res.status}`, {
    code: `HTTP_${res.status}`,
    status: res.status,
    location: { url },
  })
}

/** The `Content-Length` of an answer, when it has a usable one. */
export function contentLength(res: Response): number | undefined {
  const header = res.headers.get('content-length')
  const length = header === null ? Number.NaN : Number(header)
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined
}
