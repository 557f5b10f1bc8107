/**
 * Integers too long for a double, read exactly. `JSON.parse` (and stream-json's assembler) round
 * every number to a double, so `{"id": 1590000000000000123}` would silently become
 * `1590000000000000000`. A record's top-level integer literals of 16 digits or more are therefore
 * taken from the text: beyond 2^53 they become `BigInt`s (int64 columns store them exactly), beyond
 * the int64 range numbers (as `JSON.parse` gives them). Values nested in objects or arrays are left
 * to `JSON.parse` (they end up in `json` columns as JS values).
 */

/** A run of 16 digits: the cheap test that a line may hold a literal a double cannot keep. */
const LONG_DIGITS = /\d{16}/
/**
 * Marks a literal carried through `JSON.parse` as a string: NULs around a random tag, so no string
 * in the data can pass for one. `MARK_TEXT` is how it is written inside JSON text.
 */
const TAG = `sd-int-${Math.random().toString(36).slice(2)}`
const MARK = `\u0000${TAG}\u0000`
const MARK_TEXT = `\\u0000${TAG}\\u0000`
const MARK_LENGTH = MARK.length
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** True when `digits` (an optional `-` then 16 or more digits) is an integer literal to read exactly. */
export function isLongInteger(text: string): boolean {
  const start = text.charCodeAt(0) === 0x2d ? 1 : 0
  if (text.length - start < 16) return false
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return false
  }
  return true
}

/** The value of a long integer literal: a number while exact, a BigInt within int64, else a number. */
export function longIntegerValue(literal: string): number | bigint {
  const n = Number(literal)
  if (Number.isSafeInteger(n)) return n
  const big = BigInt(literal)
  return big >= INT64_MIN && big <= INT64_MAX ? big : n
}

/**
 * `JSON.parse(text)`, with the record's top-level integer literals of 16 digits or more read
 * exactly (see the module comment). Text that is not valid JSON throws `JSON.parse`'s own error
 * for the original text, so error positions are unchanged.
 */
export function parseRecordText(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text)
  const marked = markTopLevel(text)
  if (marked === text) return JSON.parse(text)
  let value: unknown
  try {
    value = JSON.parse(marked)
  } catch {
    return JSON.parse(text)
  }
  return restoreMarked(value)
}

/** Wraps the long integer literals that are values of the top-level object as marked strings. */
function markTopLevel(text: string): string {
  // only an object's values: a line that is not an object is an error, reported on its own text
  if (text.trimStart().charCodeAt(0) !== 0x7b) return text
  let out = ''
  let from = 0
  let depth = 0
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      // a string: skip to its closing quote
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i)
        if (s === 0x5c) i++
        else if (s === 0x22) break
      }
    } else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) depth--
    else if (depth === 1 && (c === 0x2d || (c >= 0x30 && c <= 0x39))) {
      let end = i + 1
      while (end < n && isNumberChar(text.charCodeAt(end))) end++
      const literal = text.slice(i, end)
      if (isLongInteger(literal)) {
        out += `${text.slice(from, i)}"${MARK_TEXT}${literal}"`
        from = end
      }
      i = end - 1
    }
  }
  return from === 0 ? text : out + text.slice(from)
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d
}

/** A string made by {@link markLiteral} or {@link markTopLevel}. */
export function isMarked(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(MARK)
}

/** A long integer literal as a marked string (for a parser that hands literals over as text). */
export function markLiteral(literal: string): string {
  return MARK + literal
}

/**
 * Replaces the marked strings among the own values of a parsed record with their values
 * ({@link longIntegerValue}). A key such as `__proto__` stays an own property.
 */
export function restoreMarked(record: unknown): unknown {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return record
  const object = record as Record<string, unknown>
  for (const key of Object.keys(object)) {
    const value = Object.getOwnPropertyDescriptor(object, key)?.value as unknown
    if (!isMarked(value)) continue
    Object.defineProperty(object, key, {
      value: longIntegerValue(value.slice(MARK_LENGTH)),
      writable: true,
      enumerable: true,
      configurable: true,
    })
  }
  return object
}
