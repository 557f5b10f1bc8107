import { FormatError, UnsupportedError } from '@sd/core'

/** `\x93NUMPY`: the first six bytes of every `.npy` file. */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const
/** NumPy leaves room for the growing axis to reach this many digits, so appends rewrite in place. */
const GROWTH_DIGITS = 21
/** Data starts at a multiple of this, as NumPy writes it. */
const ALIGNMENT = 64

/** A parsed `.npy` header. */
export interface NpyHeader {
  /** Format version, `[1, 0]`, `[2, 0]` or `[3, 0]`. */
  version: [number, number]
  /** Byte offset of the first data byte (magic, version, length field and header text). */
  dataOffset: number
  /** The dtype descriptor as written, e.g. `'<f4'` (a list for structured dtypes). */
  descr: unknown
  fortranOrder: boolean
  shape: number[]
}

/** Bytes before the header text: magic, version, and a 2-byte (v1) or 4-byte (v2, v3) length. */
export function preambleLength(major: number): number {
  return major === 1 ? 10 : 12
}

/**
 * The total header length (data offset) announced by the first 12 bytes of a file, after checking
 * the magic string and version. `head` must hold at least 12 bytes (or the whole file if shorter).
 */
export function npyDataOffset(
  head: Uint8Array,
  file: string,
): { version: [number, number]; dataOffset: number } {
  for (let i = 0; i < MAGIC.length; i++) {
    if (head[i] !== MAGIC[i]) {
      const got = [...head.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(' ')
      throw new FormatError(
        `Expected the NumPy magic string (93 4e 55 4d 50 59, "\\x93NUMPY") at the start of a .npy file, got ${got || 'an empty file'}`,
        { code: 'NPY_BAD_MAGIC', location: { file, byte: 0 } },
      )
    }
  }
  const major = head[6] ?? -1
  const minor = head[7] ?? -1
  if (major < 1 || major > 3 || minor !== 0) {
    throw new UnsupportedError(`Expected .npy format version 1.0, 2.0 or 3.0, got ${major}.${minor}`, {
      code: 'NPY_VERSION',
      location: { file, byte: 6 },
    })
  }
  const pre = preambleLength(major)
  if (head.length < pre) {
    throw new FormatError(`Expected a ${pre}-byte .npy preamble, the file ends after ${head.length} bytes`, {
      code: 'NPY_TRUNCATED',
      location: { file, byte: head.length },
    })
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const textLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  return { version: [major, minor], dataOffset: pre + textLength }
}

/**
 * Parses a whole `.npy` header (`bytes` holds at least `dataOffset` bytes): the Python dict
 * literal with `descr`, `fortran_order` and `shape`.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const { version, dataOffset } = npyDataOffset(bytes, file)
  const pre = preambleLength(version[0])
  if (bytes.length < dataOffset) {
    throw new FormatError(
      `Expected a ${dataOffset}-byte .npy header, the file ends after ${bytes.length} bytes`,
      { code: 'NPY_TRUNCATED', location: { file, byte: bytes.length } },
    )
  }
  const encoding = version[0] === 3 ? 'utf-8' : 'latin1'
  const text = new TextDecoder(encoding).decode(bytes.subarray(pre, dataOffset))
  const dict = new LiteralParser(text, file, pre).parseHeader()
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!(key in dict)) {
      throw new FormatError(
        `Expected the .npy header to have the key '${key}', got keys ${Object.keys(dict).join(', ')}`,
        {
          code: 'NPY_BAD_HEADER',
          location: { file, byte: pre },
        },
      )
    }
  }
  const fortranOrder = dict.fortran_order
  const shape = dict.shape
  if (typeof fortranOrder !== 'boolean') {
    throw new FormatError(`Expected 'fortran_order' to be True or False, got ${String(fortranOrder)}`, {
      code: 'NPY_BAD_HEADER',
      location: { file, byte: pre },
    })
  }
  if (!Array.isArray(shape) || !shape.every((n) => typeof n === 'number')) {
    throw new FormatError(`Expected 'shape' to be a tuple of integers, got ${JSON.stringify(shape)}`, {
      code: 'NPY_BAD_HEADER',
      location: { file, byte: pre },
    })
  }
  return { version, dataOffset, descr: dict.descr, fortranOrder, shape: shape as number[] }
}

/**
 * Checks that a header describes what this package reads: little-endian float32 in C order with
 * shape `(n, d)`. Returns `n` and `d`.
 */
export function float32Matrix(header: NpyHeader, file: string): { rows: number; dimension: number } {
  const location = { file, byte: preambleLength(header.version[0]) }
  const { descr } = header
  if (descr !== '<f4') {
    if (descr === '>f4') {
      throw new UnsupportedError(
        `Expected little-endian float32 ('<f4'), got big-endian '>f4'; convert it with arr.astype('<f4')`,
        { code: 'NPY_BIG_ENDIAN', location },
      )
    }
    const got = typeof descr === 'string' ? `'${descr}'` : 'a structured dtype'
    throw new UnsupportedError(`Expected dtype '<f4' (little-endian float32), got ${got}`, {
      code: 'NPY_DTYPE',
      location,
    })
  }
  if (header.fortranOrder) {
    throw new UnsupportedError(
      'Expected C order (fortran_order: False), got Fortran order; save np.ascontiguousarray(arr) instead',
      { code: 'NPY_FORTRAN_ORDER', location },
    )
  }
  const [rows, dimension] = header.shape
  if (header.shape.length !== 2 || rows === undefined || dimension === undefined || dimension < 1) {
    throw new UnsupportedError(`Expected a 2-D shape (n, d) with d >= 1, got (${header.shape.join(', ')})`, {
      code: 'NPY_SHAPE',
      location,
    })
  }
  return { rows, dimension }
}

/**
 * A `.npy` header for a float32 `(rows, dimension)` matrix in C order. With `totalLength` (a header
 * being rewritten in place) the result has exactly that length and keeps `version`; without it,
 * a v1.0 header padded to a multiple of 64 bytes with room for `rows` to grow to 21 digits.
 * Returns `undefined` when the text does not fit in `totalLength`.
 */
export function formatNpyHeader(
  rows: number,
  dimension: number,
  totalLength?: number,
  version: [number, number] = [1, 0],
): Uint8Array | undefined {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dimension}), }`
  const pre = preambleLength(version[0])
  let total = totalLength
  if (total === undefined) {
    const minimal = pre + dict.length + Math.max(0, GROWTH_DIGITS - String(rows).length) + 1
    total = Math.ceil(minimal / ALIGNMENT) * ALIGNMENT
  }
  const textLength = total - pre
  if (dict.length + 1 > textLength) return undefined
  if (version[0] === 1 && textLength > 0xffff) return undefined
  const out = new Uint8Array(total)
  out.set(MAGIC, 0)
  out[6] = version[0]
  out[7] = version[1]
  const view = new DataView(out.buffer)
  if (version[0] === 1) view.setUint16(8, textLength, true)
  else view.setUint32(8, textLength, true)
  const text = `${dict.padEnd(textLength - 1, ' ')}\n`
  for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i)
  return out
}

type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal }

/** A parser for the small subset of Python literals `.npy` headers use. */
class LiteralParser {
  #pos = 0

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly base: number,
  ) {}

  parseHeader(): Record<string, Literal> {
    const value = this.#value()
    this.#skipSpace()
    if (this.#pos !== this.text.length) this.#fail('the end of the header')
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new FormatError(`Expected the .npy header to be a dict literal, got ${JSON.stringify(value)}`, {
        code: 'NPY_BAD_HEADER',
        location: { file: this.file, byte: this.base },
      })
    }
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
    while (this.#pos < this.text.length && /\s/.test(this.text[this.#pos] as string)) this.#pos++
  }

  #value(): Literal {
    this.#skipSpace()
    const c = this.text[this.#pos]
    if (c === '{') return this.#dict()
    if (c === '(' || c === '[') return this.#sequence(c === '(' ? ')' : ']')
    if (c === "'" || c === '"') return this.#string()
    const word = /^(True|False|None|-?\d+L?)/.exec(this.text.slice(this.#pos))
    if (!word) this.#fail('a value')
    this.#pos += word[0].length
    if (word[0] === 'True') return true
    if (word[0] === 'False') return false
    if (word[0] === 'None') return null
    return Number.parseInt(word[0], 10)
  }

  #dict(): Record<string, Literal> {
    this.#pos++
    const out: Record<string, Literal> = {}
    for (;;) {
      this.#skipSpace()
      if (this.text[this.#pos] === '}') {
        this.#pos++
        return out
      }
      const key = this.#value()
      if (typeof key !== 'string') this.#fail('a string key')
      this.#skipSpace()
      if (this.text[this.#pos] !== ':') this.#fail("':'")
      this.#pos++
      out[key] = this.#value()
      this.#skipSpace()
      if (this.text[this.#pos] === ',') this.#pos++
      else if (this.text[this.#pos] !== '}') this.#fail("',' or '}'")
    }
  }

  #sequence(close: string): Literal[] {
    this.#pos++
    const out: Literal[] = []
    for (;;) {
      this.#skipSpace()
      if (this.text[this.#pos] === close) {
        this.#pos++
        return out
      }
      out.push(this.#value())
      this.#skipSpace()
      if (this.text[this.#pos] === ',') this.#pos++
      else if (this.text[this.#pos] !== close) this.#fail(`',' or '${close}'`)
    }
  }

  #string(): string {
    const quote = this.text[this.#pos]
    const end = this.text.indexOf(quote as string, this.#pos + 1)
    if (end < 0) this.#fail('a closing quote')
    const value = this.text.slice(this.#pos + 1, end)
    this.#pos = end + 1
    return value
  }
}
