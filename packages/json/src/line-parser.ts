import {
  type BatchBuilder,
  BOOL_KIND,
  FLOAT64_KIND,
  INT32_KIND,
  INT64_KIND,
  JSON_KIND,
  STRING_KIND,
} from '@sd/core/text-worker'
import { isLongInteger, longIntegerValue } from './big-integers.js'

const SKIP = 255
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN = 0x7b
const CLOSE = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30

/** Powers of ten that are exact doubles (10^0 .. 10^22). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k)

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d
}

// a string may begin with U+FEFF: it is part of the value
const decoder = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * The NDJSON fast path: one line (a flat JSON object) parsed from its UTF-8 bytes straight into
 * the current row of a {@link BatchBuilder}, numbers and booleans without a JS value per field,
 * strings copied as bytes, no object made. It accepts only what it reads exactly as `JSON.parse`
 * would and fits the columns: keys without escapes, each once; strings without escapes; numbers
 * in JSON's grammar; nested values only for `json` columns (parsed by `JSON.parse`) and keys not
 * read (checked by it). For anything else it returns false with the row untouched, and the caller
 * parses the line with `JSON.parse`, which decides every error and every value that does not fit.
 */
export class LineParser {
  readonly #b: BatchBuilder
  readonly #kinds: Uint8Array
  readonly #keys: Uint8Array[]
  readonly #index = new Map<string, number>()
  /** Per column: the line (stamp) that last set it, to find missing and repeated keys. */
  readonly #seen: Int32Array
  #stamp = 0

  constructor(builder: BatchBuilder, names: readonly string[]) {
    this.#b = builder
    this.#kinds = builder.kinds
    const encoder = new TextEncoder()
    this.#keys = names.map((n) => encoder.encode(n))
    names.forEach((n, c) => {
      this.#index.set(n, c)
    })
    this.#seen = new Int32Array(names.length)
  }

  /** Parses `buf[s, e)` into the current row (not committed); false leaves the row as it was. */
  parse(buf: Uint8Array, s: number, e: number): boolean {
    if (!this.#object(buf, s, e)) {
      this.#b.rollbackRow()
      return false
    }
    return true
  }

  #object(buf: Uint8Array, s: number, e: number): boolean {
    const b = this.#b
    const kinds = this.#kinds
    const seen = this.#seen
    const stamp = ++this.#stamp
    const r = b.rows
    let i = s
    while (i < e && isSpace(buf[i] as number)) i++
    if (buf[i] !== OPEN) return false
    i++
    while (i < e && isSpace(buf[i] as number)) i++
    let guess = 0
    if (buf[i] === CLOSE) i++
    else
      for (;;) {
        // a key
        if (buf[i] !== QUOTE) return false
        const ks = ++i
        while (i < e) {
          const c = buf[i] as number
          if (c === QUOTE) break
          if (c === BACKSLASH || c < 0x20) return false
          i++
        }
        if (i >= e) return false
        const c = this.#column(buf, ks, i, guess)
        i++
        if (c >= 0) {
          if (seen[c] === stamp) return false
          seen[c] = stamp
          guess = c + 1
        }
        while (i < e && isSpace(buf[i] as number)) i++
        if (buf[i] !== COLON) return false
        i++
        while (i < e && isSpace(buf[i] as number)) i++
        // its value
        const kind = c >= 0 ? (kinds[c] as number) : SKIP
        const v = buf[i] as number
        if (v === QUOTE) {
          const vs = i + 1
          i = vs
          while (i < e) {
            const ch = buf[i] as number
            if (ch === QUOTE) break
            if (ch === BACKSLASH || ch < 0x20) return false
            i++
          }
          if (i >= e) return false
          if (kind === STRING_KIND) b.setString(c, buf, vs, i)
          else if (kind === JSON_KIND) (b.values[c] as unknown[])[r] = decoder.decode(buf.subarray(vs, i))
          else if (kind !== SKIP) return false
          i++
        } else if (v === MINUS || (v >= ZERO && v <= ZERO + 9)) {
          const end = numberEnd(buf, i, e)
          if (end < 0) return false
          if (kind !== SKIP) {
            const n = numberValue(buf, i, end)
            if (kind === INT32_KIND) {
              if ((n | 0) !== n) return false
              ;(b.i32[c] as Int32Array)[r] = n
            } else if (kind === INT64_KIND) {
              const v = Number.isSafeInteger(n) ? n : exactInteger(buf, i, end)
              if (v === undefined) return false
              b.setInt64(c, v)
            } else if (kind === FLOAT64_KIND) (b.f64[c] as Float64Array)[r] = n
            else if (kind === JSON_KIND) (b.values[c] as unknown[])[r] = n
            else return false
          }
          i = end
        } else if (v === 0x74 || v === 0x66) {
          const t = v === 0x74
          const n = t ? 4 : 5
          if (i + n > e) return false
          if (
            t
              ? !(buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65)
              : !(buf[i + 1] === 0x61 && buf[i + 2] === 0x6c && buf[i + 3] === 0x73 && buf[i + 4] === 0x65)
          )
            return false
          if (kind === BOOL_KIND) b.setBool(c, t)
          else if (kind === JSON_KIND) (b.values[c] as unknown[])[r] = t
          else if (kind !== SKIP) return false
          i += n
        } else if (v === 0x6e) {
          if (!(i + 4 <= e && buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c)) return false
          if (kind !== SKIP) b.setNull(c)
          i += 4
        } else if (v === OPEN || v === OPEN_ARRAY) {
          if (kind !== JSON_KIND && kind !== SKIP) return false
          const end = nestedEnd(buf, i, e)
          if (end < 0) return false
          let value: unknown
          try {
            value = JSON.parse(decoder.decode(buf.subarray(i, end)))
          } catch {
            return false
          }
          if (kind === JSON_KIND) (b.values[c] as unknown[])[r] = value
          i = end
        } else return false
        while (i < e && isSpace(buf[i] as number)) i++
        const next = buf[i]
        if (next === COMMA) {
          i++
          while (i < e && isSpace(buf[i] as number)) i++
          continue
        }
        if (next === CLOSE) {
          i++
          break
        }
        return false
      }
    while (i < e && isSpace(buf[i] as number)) i++
    if (i !== e) return false
    // keys the line does not have are null
    for (let c = 0; c < seen.length; c++) if (seen[c] !== stamp) b.setNull(c)
    return true
  }

  /** The column of key `buf[s, e)` (tried first against column `guess`), or -1 for a key not read. */
  #column(buf: Uint8Array, s: number, e: number, guess: number): number {
    const keys = this.#keys
    if (guess < keys.length && sameBytes(keys[guess] as Uint8Array, buf, s, e)) return guess
    return this.#index.get(decoder.decode(buf.subarray(s, e))) ?? -1
  }
}

function sameBytes(key: Uint8Array, buf: Uint8Array, s: number, e: number): boolean {
  if (key.length !== e - s) return false
  for (let k = 0; k < key.length; k++) if (key[k] !== buf[s + k]) return false
  return true
}

/** The end of a JSON number starting at `i` (strict grammar), or -1. */
function numberEnd(buf: Uint8Array, i: number, e: number): number {
  if (buf[i] === MINUS) i++
  if (i >= e) return -1
  if (buf[i] === ZERO) i++
  else {
    const d = (buf[i] as number) - ZERO
    if (d < 1 || d > 9) return -1
    while (i < e && isDigit(buf[i] as number)) i++
  }
  if (i < e && buf[i] === DOT) {
    i++
    if (i >= e || !isDigit(buf[i] as number)) return -1
    while (i < e && isDigit(buf[i] as number)) i++
  }
  const x = buf[i]
  if (i < e && (x === 0x65 || x === 0x45)) {
    i++
    if (buf[i] === 0x2b || buf[i] === MINUS) i++
    if (i >= e || !isDigit(buf[i] as number)) return -1
    while (i < e && isDigit(buf[i] as number)) i++
  }
  return i
}

function isDigit(b: number): boolean {
  return b >= ZERO && b <= ZERO + 9
}

/** The value of the JSON number `buf[s, e)`, rounded as `JSON.parse` rounds it. */
function numberValue(buf: Uint8Array, s: number, e: number): number {
  let i = s
  const negative = buf[i] === MINUS
  if (negative) i++
  let mantissa = 0
  let digits = 0
  let frac = -1
  for (; i < e; i++) {
    const c = buf[i] as number
    if (c === DOT) frac = 0
    else if (c === 0x65 || c === 0x45) break
    else {
      mantissa = mantissa * 10 + (c - ZERO)
      digits++
      if (frac >= 0) frac++
    }
  }
  if (i === e && digits <= 15) {
    // exact digits over an exact power of ten: one correctly rounded division, as Number() gives
    const v = frac > 0 ? mantissa / (POW10[frac] as number) : mantissa
    return negative ? -v : v
  }
  return Number(asciiText(buf, s, e))
}

/** The ASCII bytes `buf[s, e)` as a string (a number literal's text). */
function asciiText(buf: Uint8Array, s: number, e: number): string {
  let text = ''
  for (let k = s; k < e; k++) text += String.fromCharCode(buf[k] as number)
  return text
}

/**
 * The exact value of an integer literal `buf[s, e)` that a double cannot hold, when it is within
 * int64; undefined for a literal with a fraction or exponent, or beyond int64.
 */
function exactInteger(buf: Uint8Array, s: number, e: number): bigint | undefined {
  const text = asciiText(buf, s, e)
  if (!isLongInteger(text)) return undefined
  const v = longIntegerValue(text)
  return typeof v === 'bigint' ? v : undefined
}

/** The end of the object or array starting at `i` (strings skipped), or -1 when the line ends first. */
function nestedEnd(buf: Uint8Array, i: number, e: number): number {
  let depth = 0
  while (i < e) {
    const c = buf[i] as number
    if (c === QUOTE) {
      i++
      while (i < e && buf[i] !== QUOTE) i += buf[i] === BACKSLASH ? 2 : 1
      if (i >= e) return -1
    } else if (c === OPEN || c === OPEN_ARRAY) depth++
    else if (c === CLOSE || c === CLOSE_ARRAY) {
      depth--
      if (depth === 0) return i + 1
    }
    i++
  }
  return -1
}
