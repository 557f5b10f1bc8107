/**
 * Text to typed values. Each parser returns `undefined` when the text is not a literal of its type,
 * so a caller can tell "does not fit" apart from every legal value (including NaN).
 */

/** The column types a CSV column can be read as. */
export type CsvColumnType = 'int32' | 'float64' | 'bool' | 'string'

const MINUS = 45
const PLUS = 43
const DOT = 46
const ZERO = 48
const NINE = 57

/** A base-10 integer literal in the int32 range (optional sign, digits only), else `undefined`. */
export function parseInt32(s: string): number | undefined {
  const n = s.length
  let i = 0
  let negative = false
  const first = s.charCodeAt(0)
  if (first === MINUS) {
    negative = true
    i = 1
  } else if (first === PLUS) i = 1
  if (i === n) return undefined
  let v = 0
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - ZERO
    if (d < 0 || d > 9) return undefined
    v = v * 10 + d
    // beyond int32 already: stop before the accumulator grows past exact integers
    if (v > 2147483648) return undefined
  }
  if (negative) return -v
  return v > 2147483647 ? undefined : v
}

function isDigitOrDot(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === DOT
}

/** Powers of ten that are exact doubles (10^0 .. 10^22). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k)

/**
 * A decimal float literal (`12`, `-1.5`, `.5`, `6.02e23`) or `nan`/`inf`/`infinity` in any case
 * with an optional sign, else `undefined`. Hex, binary, octal and surrounding spaces are refused,
 * which `Number()` alone would accept.
 */
export function parseFloat64(s: string): number | undefined {
  // fast path: at most 15 digits and no exponent. The digits form an exact integer and 10^k is
  // exact, so one IEEE division gives the correctly rounded value, as Number() would.
  const n = s.length
  let i = 0
  let negative = false
  const first = s.charCodeAt(0)
  if (first === MINUS) {
    negative = true
    i = 1
  } else if (first === PLUS) i = 1
  let mantissa = 0
  let digits = 0
  let dot = -1
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    const d = c - ZERO
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d
      digits++
    } else if (c === DOT && dot < 0) dot = i
    else break
  }
  if (i === n && digits > 0 && digits <= 15) {
    const v = dot < 0 ? mantissa : mantissa / (POW10[n - dot - 1] as number)
    return negative ? -v : v
  }
  return parseFloatSlow(s)
}

function parseFloatSlow(s: string): number | undefined {
  const first = s.charCodeAt(0)
  const last = s.charCodeAt(s.length - 1)
  if ((isDigitOrDot(first) || first === MINUS || first === PLUS) && isDigitOrDot(last)) {
    // `0x1A`, `0b1`, `0o7`: letters in second place only ever mean a radix prefix
    const second = s.charCodeAt(1) | 0x20
    if (first === ZERO && (second === 0x78 || second === 0x62 || second === 0x6f)) return undefined
    const v = Number(s)
    return Number.isNaN(v) ? undefined : v
  }
  return parseSpecialFloat(s)
}

function parseSpecialFloat(s: string): number | undefined {
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
export function parseBool(s: string): number | undefined {
  if (s === 'true') return 1
  if (s === 'false') return 0
  if (s.length === 4 || s.length === 5) {
    const lower = s.toLowerCase()
    if (lower === 'true') return 1
    if (lower === 'false') return 0
  }
  return undefined
}

/**
 * The narrowest type that holds every non-empty value: `int32`, then `float64`, then `bool`, else
 * `string` (also for a column with no non-empty value, as nothing says more).
 */
export function inferColumnType(values: readonly string[], count: number): CsvColumnType {
  let int = true
  let float = true
  let bool = true
  let seen = false
  for (let i = 0; i < count; i++) {
    const s = values[i] as string
    if (s.length === 0) continue
    seen = true
    if (int && parseInt32(s) === undefined) int = false
    if (!int && float && parseFloat64(s) === undefined) float = false
    if (bool && parseBool(s) === undefined) bool = false
    if (!int && !float && !bool) return 'string'
  }
  if (!seen) return 'string'
  if (int) return 'int32'
  if (float) return 'float64'
  return bool ? 'bool' : 'string'
}
