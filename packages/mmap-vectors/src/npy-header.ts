import { FormatError, UnsupportedError } from '@sd/core'
import { formatPyLiteral, type PyDict, type PyLiteral, PyLiteralParser, PyTuple } from './npy-literal.js'

/** `\x93NUMPY`: the first six bytes of every `.npy` file. */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const
/** NumPy leaves room for the growing axis to reach this many digits, so appends rewrite in place. */
const GROWTH_DIGITS = 21
/** Data starts at a multiple of this, as NumPy writes it. */
const ALIGNMENT = 64
/**
 * Longest header text read: what a version 1.0 length field can announce. NumPy itself refuses
 * headers over 10,000 bytes by default; a float32 matrix header is about 120.
 */
export const MAX_HEADER_TEXT = 0xffff
/** Most components per vector: one vector stays within 1 GiB. */
export const MAX_DIMENSION = 2 ** 28
/** Bytes before the header text in the longest preamble (versions 2.0 and 3.0). */
export const MAX_PREAMBLE = 12
/** A dtype string as NumPy writes one: byte order, kind and size (`'<f4'`, `'|S10'`, `'<M8[ns]'`). */
const DTYPE = /^[<>=|]?[A-Za-z?][A-Za-z0-9]*(\[[A-Za-z0-9]+(, ?[A-Za-z0-9]+)?\])?$/
/** The keys of a `.npy` header, no more and no fewer. */
const KEYS = ['descr', 'fortran_order', 'shape'] as const

/** The preamble of a `.npy` file: version and where the data starts. */
export interface NpyPreamble {
  /** Format version, `[1, 0]`, `[2, 0]` or `[3, 0]`. */
  version: [number, number]
  /** Byte offset of the first data byte (magic, version, length field and header text). */
  dataOffset: number
}

/** A checked `.npy` header of a little-endian float32 `(rows, dimension)` matrix in C order. */
export interface NpyMatrix extends NpyPreamble {
  rows: number
  dimension: number
}

/** Bytes before the header text: magic, version, and a 2-byte (v1) or 4-byte (v2, v3) length. */
export function preambleLength(major: number): number {
  return major === 1 ? 10 : 12
}

function badHeader(message: string, file: string, byte: number): FormatError {
  return new FormatError(message, { code: 'NPY_BAD_HEADER', location: { file, byte } })
}

/**
 * Checks the magic string, the version and the header length announced by the first bytes of a
 * file. `head` holds the first {@link MAX_PREAMBLE} bytes (or the whole file if shorter).
 */
export function npyPreamble(head: Uint8Array, file: string): NpyPreamble {
  for (let i = 0; i < MAGIC.length; i++) {
    if (head[i] !== MAGIC[i]) {
      const got = [...head.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(' ')
      throw new FormatError(
        `Expected the NumPy magic string (93 4e 55 4d 50 59, "\\x93NUMPY") at the start of a .npy file, got ${got || 'an empty file'}`,
        { code: 'NPY_BAD_MAGIC', location: { file, byte: 0 } },
      )
    }
  }
  if (head.length < 8) {
    throw new FormatError(
      `Expected the .npy version after the magic string, the file ends after ${head.length} bytes`,
      {
        code: 'NPY_TRUNCATED',
        location: { file, byte: head.length },
      },
    )
  }
  const major = head[6] as number
  const minor = head[7] as number
  if (major < 1 || major > 3 || minor !== 0) {
    throw new UnsupportedError(
      `Expected .npy format version 1.0, 2.0 or 3.0 (header field 'version'), got ${major}.${minor}`,
      { code: 'NPY_VERSION', location: { file, byte: 6 } },
    )
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
  if (textLength > MAX_HEADER_TEXT) {
    throw badHeader(
      `Expected the .npy header length (bytes 8-11) to be at most ${MAX_HEADER_TEXT}, got ${textLength}`,
      file,
      8,
    )
  }
  return { version: [major, minor], dataOffset: pre + textLength }
}

/**
 * Parses and checks every field of a `.npy` header: the preamble, the dict literal (exactly the
 * keys `descr`, `fortran_order` and `shape`, each of the right type), the shape's integers (none
 * negative, none beyond what a file can hold), then that the array is what this package reads:
 * little-endian float32 in C order with shape `(n, d)`. `bytes` holds at least the header
 * (`dataOffset` bytes). Malformed fields are `FormatError`s (`NPY_BAD_HEADER` naming the field);
 * well-formed headers of other arrays are `UnsupportedError`s.
 */
export function readNpyMatrix(bytes: Uint8Array, file: string): NpyMatrix {
  const preamble = npyPreamble(bytes.subarray(0, MAX_PREAMBLE), file)
  const { version, dataOffset } = preamble
  const pre = preambleLength(version[0])
  if (bytes.length < dataOffset) {
    throw new FormatError(
      `Expected a ${dataOffset}-byte .npy header, the file ends after ${bytes.length} bytes`,
      { code: 'NPY_TRUNCATED', location: { file, byte: bytes.length } },
    )
  }
  let text: string
  try {
    // version 3.0 headers are UTF-8; earlier ones latin-1, where every byte is a character
    text = new TextDecoder(version[0] === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(
      bytes.subarray(pre, dataOffset),
    )
  } catch {
    throw badHeader('Expected a version 3.0 .npy header in UTF-8, got invalid UTF-8', file, pre)
  }
  const parser = new PyLiteralParser(text, file, pre, version[0] <= 2)
  const dict = parser.parse()
  const at = (key: string) => pre + (parser.valueOffsets.get(key) ?? 0)
  if (!(dict instanceof Map)) {
    throw badHeader(`Expected the .npy header to be a dict literal, got ${formatPyLiteral(dict)}`, file, pre)
  }
  checkKeys(dict, file, pre)
  const descr = dict.get('descr') as PyLiteral
  const fortranOrder = dict.get('fortran_order') as PyLiteral
  const shape = dict.get('shape') as PyLiteral
  if ((typeof descr !== 'string' || !DTYPE.test(descr)) && !Array.isArray(descr)) {
    throw badHeader(
      `Expected the .npy header field 'descr' to be a dtype string or a list of fields, got ${formatPyLiteral(descr)}`,
      file,
      at('descr'),
    )
  }
  if (typeof fortranOrder !== 'boolean') {
    throw badHeader(
      `Expected the .npy header field 'fortran_order' to be True or False, got ${formatPyLiteral(fortranOrder)}`,
      file,
      at('fortran_order'),
    )
  }
  const dims = shapeOf(shape, file, at('shape'))
  // a well-formed header: now, is it an array this package reads?
  const location = { file, byte: at('descr') }
  if (descr !== '<f4') {
    if (descr === '>f4') {
      throw new UnsupportedError(
        `Expected little-endian float32 ('<f4'), got big-endian '>f4'; convert it with arr.astype('<f4')`,
        { code: 'NPY_BIG_ENDIAN', location },
      )
    }
    const got = typeof descr === 'string' ? `'${descr.slice(0, 40)}'` : 'a structured dtype'
    throw new UnsupportedError(`Expected dtype '<f4' (little-endian float32), got ${got}`, {
      code: 'NPY_DTYPE',
      location,
    })
  }
  if (fortranOrder) {
    throw new UnsupportedError(
      'Expected C order (fortran_order: False), got Fortran order; save np.ascontiguousarray(arr) instead',
      { code: 'NPY_FORTRAN_ORDER', location: { file, byte: at('fortran_order') } },
    )
  }
  const [rows, dimension] = dims
  if (dims.length !== 2 || rows === undefined || dimension === undefined || dimension < 1) {
    throw new UnsupportedError(`Expected a 2-D shape (n, d) with d >= 1, got ${formatPyLiteral(shape)}`, {
      code: 'NPY_SHAPE',
      location: { file, byte: at('shape') },
    })
  }
  if (dimension > MAX_DIMENSION) {
    throw new UnsupportedError(
      `Expected at most ${MAX_DIMENSION} components per vector, the .npy header's shape says ${dimension}`,
      { code: 'NPY_SHAPE', location: { file, byte: at('shape') } },
    )
  }
  if (rows > (Number.MAX_SAFE_INTEGER - dataOffset) / (dimension * 4)) {
    throw badHeader(
      `Expected the .npy header field 'shape' to describe at most 2^53 bytes, got ${formatPyLiteral(shape)} (${rows} x ${dimension} float32)`,
      file,
      at('shape'),
    )
  }
  return { version, dataOffset, rows, dimension }
}

function checkKeys(dict: PyDict, file: string, byte: number): void {
  for (const key of KEYS) {
    if (!dict.has(key)) {
      throw badHeader(
        `Expected the .npy header to have the key '${key}', got keys ${[...dict.keys()].map((k) => `'${k.slice(0, 20)}'`).join(', ') || 'none'}`,
        file,
        byte,
      )
    }
  }
  for (const key of dict.keys()) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw badHeader(
        `Expected only the keys 'descr', 'fortran_order' and 'shape' in the .npy header, got also '${key.slice(0, 40)}'`,
        file,
        byte,
      )
    }
  }
}

/** The shape as safe non-negative integers, or a `NPY_BAD_HEADER` naming the field. */
function shapeOf(shape: PyLiteral, file: string, byte: number): number[] {
  const bad = (why: string) =>
    badHeader(
      `Expected the .npy header field 'shape' to be a tuple of ${why}, got ${formatPyLiteral(shape)}`,
      file,
      byte,
    )
  if (!(shape instanceof PyTuple)) throw bad('integers')
  if (shape.items.length > 32) throw bad('at most 32 integers')
  const out: number[] = []
  for (const item of shape.items) {
    if (typeof item !== 'bigint') throw bad('integers')
    if (item < 0n) throw bad('non-negative integers')
    if (item > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('integers below 2^53')
    out.push(Number(item))
  }
  return out
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
