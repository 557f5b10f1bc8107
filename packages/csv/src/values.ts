/**
 * Field bytes to typed values, with no intermediate string on the common paths. Each parser takes
 * `bytes[start, end)` and returns `undefined` when the text is not a literal of its type, so a
 * caller can tell "does not fit" apart from every legal value (NaN included).
 */

/** The column types a CSV column can be read as. */
export type CsvColumnType = 'int32' | 'int64' | 'float64' | 'bool' | 'string'

const MINUS = 45
const PLUS = 43
const DOT = 46
const ZERO = 48
const NINE = 57

/** Powers of ten that are exact doubles (10^0 .. 10^22). */
export const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k)

/**
 * A base-10 integer literal in the int32 range (optional sign, digits only) as a number, else
 * `undefined`.
 */
export function parseInt32(bytes: Uint8Array, start: number, end: number): number | undefined {
  let i = start
  let negative = false
  const first = bytes[i]
  if (first === MINUS) {
    negative = true
    i++
  } else if (first === PLUS) i++
  if (i >= end) return undefined
  let v = 0
  for (; i < end; i++) {
    const d = (bytes[i] as number) - ZERO
    if (d < 0 || d > 9) return undefined
    v = v * 10 + d
    // beyond int32 already: stop before the accumulator grows past exact integers
    if (v > 2147483648) return undefined
  }
  if (negative) return -v
  return v > 2147483647 ? undefined : v
}

const INT64_MAX = (1n << 63n) - 1n
const INT64_MIN = -(1n << 63n)

/**
 * A base-10 integer literal in the int64 range as a number when it is within +-2^53 (exact), as a
 * bigint beyond, else `undefined`.
 */
export function parseInt64(bytes: Uint8Array, start: number, end: number): number | bigint | undefined {
  let i = start
  const first = bytes[i]
  if (first === MINUS || first === PLUS) i++
  if (i >= end) return undefined
  let v = 0
  for (let k = i; k < end; k++) {
    const d = (bytes[k] as number) - ZERO
    if (d < 0 || d > 9) return undefined
    v = v * 10 + d
  }
  if (v <= Number.MAX_SAFE_INTEGER) return first === MINUS ? -v : v
  // long literals: exact through BigInt, refused outside int64
  let text = ''
  for (let k = start; k < end; k++) text += String.fromCharCode(bytes[k] as number)
  const big = BigInt(text)
  return big > INT64_MAX || big < INT64_MIN ? undefined : big
}

function isDigitOrDot(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === DOT
}

/**
 * A decimal float literal (`12`, `-1.5`, `.5`, `5.`, `6.02e23`) or `nan`/`inf`/`infinity` in any
 * case with an optional sign, else `undefined`. Hex, binary, octal and surrounding spaces are
 * refused, which `Number()` alone would accept.
 */
export function parseFloat64(bytes: Uint8Array, start: number, end: number): number | undefined {
  // fast path: at most 15 digits and no exponent. The digits form an exact integer and 10^k is
  // exact, so one IEEE division gives the correctly rounded value, as Number() would.
  let i = start
  let negative = false
  const first = bytes[i]
  if (first === MINUS) {
    negative = true
    i++
  } else if (first === PLUS) i++
  let mantissa = 0
  let digits = 0
  let dot = -1
  for (; i < end; i++) {
    const c = bytes[i] as number
    const d = c - ZERO
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d
      digits++
    } else if (c === DOT && dot < 0) dot = i
    else break
  }
  if (i === end && digits > 0 && digits <= 15) {
    const v = dot < 0 ? mantissa : mantissa / (POW10[end - dot - 1] as number)
    return negative ? -v : v
  }
  return parseFloatSlow(bytes, start, end)
}

function parseFloatSlow(bytes: Uint8Array, start: number, end: number): number | undefined {
  const n = end - start
  if (n === 0 || n > 400) return n === 0 ? undefined : parseLongFloat(bytes, start, end)
  let s = ''
  for (let k = start; k < end; k++) {
    const c = bytes[k] as number
    if (c >= 0x80) return undefined
    s += String.fromCharCode(c)
  }
  return parseFloatText(s)
}

function parseLongFloat(bytes: Uint8Array, start: number, end: number): number | undefined {
  for (let k = start; k < end; k++) if ((bytes[k] as number) >= 0x80) return undefined
  return parseFloatText(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1'))
}

/** {@link parseFloat64} on a JS string of ASCII characters. */
function parseFloatText(s: string): number | undefined {
  const first = s.charCodeAt(0)
  const last = s.charCodeAt(s.length - 1)
  if ((isDigitOrDot(first) || first === MINUS || first === PLUS) && isDigitOrDot(last)) {
    // `0x1A`, `0b1`, `0o7`: letters in second place only ever mean a radix prefix
    const second = s.charCodeAt(1) | 0x20
    if (first === ZERO && (second === 0x78 || second === 0x62 || second === 0x6f)) return undefined
    const v = Number(s)
    return Number.isNaN(v) ? undefined : v
  }
  if (s.length > 9) return undefined
  let body = s.toLowerCase()
  let sign = 1
  if (body.charCodeAt(0) === MINUS) {
    sign = -1
    body = body.slice(1)
  } else if (body.charCodeAt(0) === PLUS) body = body.slice(1)
  if (body === 'nan') return Number.NaN
  if (body === 'inf' || body === 'infinity') return sign * Number.POSITIVE_INFINITY
  return undefined
}

/** `true`/`false` in any case as 1/0, else `undefined`. */
export function parseBool(bytes: Uint8Array, start: number, end: number): number | undefined {
  const n = end - start
  if (n === 4) {
    if (
      ((bytes[start] as number) | 0x20) === 0x74 &&
      ((bytes[start + 1] as number) | 0x20) === 0x72 &&
      ((bytes[start + 2] as number) | 0x20) === 0x75 &&
      ((bytes[start + 3] as number) | 0x20) === 0x65
    )
      return 1
  } else if (n === 5) {
    if (
      ((bytes[start] as number) | 0x20) === 0x66 &&
      ((bytes[start + 1] as number) | 0x20) === 0x61 &&
      ((bytes[start + 2] as number) | 0x20) === 0x6c &&
      ((bytes[start + 3] as number) | 0x20) === 0x73 &&
      ((bytes[start + 4] as number) | 0x20) === 0x65
    )
      return 0
  }
  return undefined
}

const INT32 = 1
const INT64 = 2
const FLOAT64 = 4
const BOOL = 8

/**
 * The narrowest type that holds every non-empty value of a string column (values `i` are
 * `bytes[offsets[i], offsets[i + 1])`): `int32`, then `int64` (integers beyond int32), then
 * `float64`, then `bool`, else `string` (also for a column with no non-empty value, as nothing
 * says more).
 */
export function inferColumnType(bytes: Uint8Array, offsets: Int32Array, count: number): CsvColumnType {
  let fits = INT32 | INT64 | FLOAT64 | BOOL
  let seen = false
  for (let i = 0; i < count && fits !== 0; i++) {
    const start = offsets[i] as number
    const end = offsets[i + 1] as number
    if (start === end) continue
    seen = true
    // an int32 literal is an int64 literal and a float literal: check the wider types only when
    // the narrower one fails
    if (fits & INT32 && parseInt32(bytes, start, end) === undefined) fits &= ~INT32
    if (!(fits & INT32) && fits & INT64 && parseInt64(bytes, start, end) === undefined) fits &= ~INT64
    if (!(fits & (INT32 | INT64)) && fits & FLOAT64 && parseFloat64(bytes, start, end) === undefined)
      fits &= ~FLOAT64
    if (fits & BOOL && parseBool(bytes, start, end) === undefined) fits &= ~BOOL
  }
  if (!seen) return 'string'
  if (fits & INT32) return 'int32'
  if (fits & INT64) return 'int64'
  if (fits & FLOAT64) return 'float64'
  return fits & BOOL ? 'bool' : 'string'
}
