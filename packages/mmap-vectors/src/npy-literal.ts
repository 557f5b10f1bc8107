import { FormatError } from '@sd/core'

/** A Python tuple, kept apart from a list: a `.npy` shape must be a tuple. */
export class PyTuple {
  constructor(readonly items: readonly PyLiteral[]) {}
}

/**
 * A Python literal as `.npy` headers write them: strings, `True`/`False`/`None`, integers (exact,
 * as `bigint`), floats (`number`), tuples, lists and dicts with string keys (a `Map`, so no key
 * can reach an object's prototype).
 */
export type PyLiteral = string | boolean | null | bigint | number | PyTuple | PyLiteral[] | PyDict

/** A Python dict with string keys. */
export type PyDict = Map<string, PyLiteral>

/**
 * Nesting deeper than this is refused: a header holds a dict of a tuple at most (a structured
 * dtype's descr a few levels more), and a hostile header of 50,000 `(` must not exhaust the stack.
 */
const MAX_DEPTH = 16

/** Python whitespace between tokens (inside brackets newlines are whitespace too). */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c
}

const NUMBER = /[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)L?/y
const WORD = /True|False|None/y

/**
 * Parses the small subset of Python literals a `.npy` header uses (what NumPy's `safe_eval`
 * accepts for it), with a bounded nesting depth. Errors are `FormatError`s with code
 * `NPY_BAD_HEADER` and the byte of the header where parsing stopped.
 */
export class PyLiteralParser {
  #pos = 0
  /** Where each value of the outermost dict starts (offset in `text`), for error locations. */
  readonly valueOffsets = new Map<string, number>()

  /**
   * `base` is the byte offset of `text` in the file, for error locations. `longSuffix` accepts
   * Python 2's `L` after integers, as NumPy does in headers of versions 1.0 and 2.0.
   */
  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly base: number,
    private readonly longSuffix = false,
  ) {}

  /** The one literal the text holds (surrounding whitespace allowed). */
  parse(): PyLiteral {
    const value = this.#value(0)
    this.#skipSpace()
    if (this.#pos !== this.text.length) this.#fail('the end of the header after its dict')
    return value
  }

  #fail(expected: string): never {
    const got = this.text.slice(this.#pos, this.#pos + 16)
    throw new FormatError(
      `Expected ${expected} in the .npy header, got ${got ? JSON.stringify(got) : 'the end of the header'}`,
      { code: 'NPY_BAD_HEADER', location: { file: this.file, byte: this.base + this.#pos } },
    )
  }

  #skipSpace(): void {
    while (this.#pos < this.text.length && isSpace(this.text.charCodeAt(this.#pos))) this.#pos++
  }

  #value(depth: number): PyLiteral {
    if (depth > MAX_DEPTH) this.#fail(`at most ${MAX_DEPTH} levels of nesting`)
    this.#skipSpace()
    const c = this.text[this.#pos]
    if (c === '{') return this.#dict(depth)
    if (c === '(') return this.#tuple(depth)
    if (c === '[') return this.#items(']', depth)
    if (c === "'" || c === '"') return this.#string()
    WORD.lastIndex = this.#pos
    const word = WORD.exec(this.text)
    if (word) {
      this.#pos += word[0].length
      return word[0] === 'True' ? true : word[0] === 'False' ? false : null
    }
    NUMBER.lastIndex = this.#pos
    const number = NUMBER.exec(this.text)
    if (!number) this.#fail('a value')
    this.#pos += number[0].length
    const long = number[0].endsWith('L')
    const literal = long ? number[0].slice(0, -1) : number[0]
    if (long && !this.longSuffix) this.#fail('no L suffix after a number (Python 3)')
    if (/[.eE]/.test(literal)) {
      if (long) this.#fail('an integer before the L suffix')
      return Number(literal)
    }
    // Python 3 refuses leading zeros in a non-zero decimal integer
    if (/^[-+]?0+[1-9]/.test(literal)) this.#fail('an integer without leading zeros')
    return BigInt(literal)
  }

  #dict(depth: number): PyDict {
    this.#pos++
    const out: PyDict = new Map()
    for (;;) {
      this.#skipSpace()
      if (this.text[this.#pos] === '}') {
        this.#pos++
        return out
      }
      const keyAt = this.#pos
      const key = this.#value(depth + 1)
      if (typeof key !== 'string') {
        this.#pos = keyAt
        this.#fail('a string key')
      }
      if (out.has(key)) {
        this.#pos = keyAt
        this.#fail(`each key once ('${key}' appears twice)`)
      }
      this.#skipSpace()
      if (this.text[this.#pos] !== ':') this.#fail("':'")
      this.#pos++
      this.#skipSpace()
      if (depth === 0) this.valueOffsets.set(key, this.#pos)
      out.set(key, this.#value(depth + 1))
      this.#skipSpace()
      if (this.text[this.#pos] === ',') this.#pos++
      else if (this.text[this.#pos] !== '}') this.#fail("',' or '}'")
    }
  }

  /** `(a)` is `a` itself in Python; `()`, `(a,)` and `(a, b)` are tuples. */
  #tuple(depth: number): PyLiteral {
    this.#pos++
    this.#skipSpace()
    if (this.text[this.#pos] === ')') {
      this.#pos++
      return new PyTuple([])
    }
    const first = this.#value(depth + 1)
    this.#skipSpace()
    if (this.text[this.#pos] === ')') {
      this.#pos++
      return first
    }
    if (this.text[this.#pos] !== ',') this.#fail("',' or ')'")
    this.#pos++
    return new PyTuple([first, ...this.#items(')', depth, true)])
  }

  /** Items up to `close`, comma-separated, a trailing comma allowed. */
  #items(close: string, depth: number, opened = false): PyLiteral[] {
    if (!opened) this.#pos++
    const out: PyLiteral[] = []
    for (;;) {
      this.#skipSpace()
      if (this.text[this.#pos] === close) {
        this.#pos++
        return out
      }
      out.push(this.#value(depth + 1))
      this.#skipSpace()
      if (this.text[this.#pos] === ',') this.#pos++
      else if (this.text[this.#pos] !== close) this.#fail(`',' or '${close}'`)
    }
  }

  #string(): string {
    const quote = this.text[this.#pos] as string
    const end = this.text.indexOf(quote, this.#pos + 1)
    const newline = this.text.indexOf('\n', this.#pos + 1)
    if (end < 0 || (newline >= 0 && newline < end)) this.#fail('a closing quote on the same line')
    const value = this.text.slice(this.#pos + 1, end)
    if (value.includes('\\')) this.#fail('a string without escapes')
    this.#pos = end + 1
    return value
  }
}

/** A literal as Python would print it, cut to `max` characters: for error messages. */
export function formatPyLiteral(value: PyLiteral, max = 60): string {
  const text = format(value, 0)
  return text.length > max ? `${text.slice(0, max - 3)}...` : text
}

function format(value: PyLiteral, depth: number): string {
  if (depth > 4) return '...'
  if (value === null) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'bigint') {
    const digits = value.toString()
    return digits.length > 24 ? `${digits.slice(0, 12)}...(${digits.length} digits)` : digits
  }
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(1) : String(value)
  if (value instanceof PyTuple) {
    const items = value.items.map((v) => format(v, depth + 1))
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`
  }
  if (Array.isArray(value)) return `[${value.map((v) => format(v, depth + 1)).join(', ')}]`
  return `{${[...value].map(([k, v]) => `'${k}': ${format(v, depth + 1)}`).join(', ')}}`
}
