import { readFileSync, writeFileSync } from 'node:fs'
import { FormatError, type SdError, UnsupportedError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadMemoryMappedVectors } from './load.js'
import { backends, flat, skipBackend, tempDir } from './test-support/fixtures.js'
import { npyWithHeader, withHeader } from './test-support/npy-files.js'
import { BASE_DIM, BASE_ROWS, baseNpyFiles } from './test-support/numpy-base.js'

interface BadCase {
  name: string
  bytes: (base: { v1: Buffer; v2: Buffer; v3: Buffer }) => Buffer
  error: typeof FormatError | typeof UnsupportedError
  code: string
  /** What the message must say: the field it names, and what arrived. */
  message: RegExp
}

const dict = (shape: string, descr = "'<f4'", fortran = 'False') =>
  `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }`

/** Bytes 8-9 (v1) or 8-11 (v2, v3) of `file` set to `length`. */
function withLength(file: Buffer, length: number): Buffer {
  const out = Buffer.from(file)
  if (out[6] === 1) out.writeUInt16LE(length, 8)
  else out.writeUInt32LE(length, 8)
  return out
}

const cases: BadCase[] = [
  {
    name: 'no magic string',
    bytes: ({ v1 }) => Buffer.concat([Buffer.from('NOTNUMPY'), v1.subarray(8)]),
    error: FormatError,
    code: 'NPY_BAD_MAGIC',
    message: /Expected the NumPy magic string .* got 4e 4f 54 4e 55 4d/,
  },
  {
    name: 'a file shorter than the preamble',
    bytes: ({ v1 }) => v1.subarray(0, 7),
    error: FormatError,
    code: 'NPY_TRUNCATED',
    message: /Expected the .npy version after the magic string, the file ends after 7 bytes/,
  },
  {
    name: 'a file that ends in the header',
    bytes: ({ v1 }) => v1.subarray(0, 40),
    error: FormatError,
    code: 'NPY_TRUNCATED',
    message: /Expected a 128-byte .npy header, the file ends after 40 bytes/,
  },
  {
    name: 'negative rows',
    bytes: ({ v1 }) => withHeader(v1, dict('(-5, 4)')),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'shape' to be a tuple of non-negative integers, got \(-5, 4\)/,
  },
  {
    name: 'a 401-digit dimension',
    bytes: ({ v1 }) => withHeader(v1, dict(`(0, 1${'0'.repeat(400)})`)),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message:
      /field 'shape' to be a tuple of integers below 2\^53, got \(0, 100000000000\.\.\.\(401 digits\)\)/,
  },
  {
    name: 'rows of 2^53 + 1',
    bytes: ({ v1 }) => withHeader(v1, dict('(9007199254740993, 4)')),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'shape' to be a tuple of integers below 2\^53/,
  },
  {
    name: 'a float dimension',
    bytes: ({ v1 }) => withHeader(v1, dict('(6, 4.0)')),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'shape' to be a tuple of integers, got \(6, 4\.0\)/,
  },
  {
    name: 'a string dimension',
    bytes: ({ v1 }) => withHeader(v1, dict("(6, '4')")),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'shape' to be a tuple of integers, got \(6, '4'\)/,
  },
  {
    name: 'a list shape',
    bytes: ({ v1 }) => withHeader(v1, dict('[6, 4]')),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'shape' to be a tuple of integers, got \[6, 4\]/,
  },
  {
    name: 'a parenthesised integer, not a tuple',
    bytes: ({ v1 }) => withHeader(v1, dict('(24)')),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'shape' to be a tuple of integers, got 24/,
  },
  {
    name: 'more data than 2^53 bytes',
    bytes: ({ v1 }) => withHeader(v1, dict('(4503599627370496, 4)')),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'shape' to describe at most 2\^53 bytes, got \(4503599627370496, 4\)/,
  },
  {
    name: 'more rows than the file holds',
    bytes: ({ v1 }) => withHeader(v1, dict('(100000000000000, 4)')),
    error: FormatError,
    code: 'NPY_TRUNCATED',
    message: /field 'shape' says \(100000000000000, 4\), 1600000000000000 data bytes, but the file holds 96/,
  },
  {
    name: 'one row more than the file holds',
    bytes: ({ v1 }) => withHeader(v1, dict(`(${BASE_ROWS + 1}, ${BASE_DIM})`)),
    error: FormatError,
    code: 'NPY_TRUNCATED',
    message: /field 'shape' says \(7, 4\), 112 data bytes, but the file holds 96/,
  },
  {
    name: 'a dimension over 2^28',
    bytes: ({ v1 }) => withHeader(v1, dict('(0, 268435457)')),
    error: UnsupportedError,
    code: 'NPY_SHAPE',
    message: /at most 268435456 components per vector, the .npy header's shape says 268435457/,
  },
  {
    name: '50,000 nested parentheses',
    bytes: ({ v1 }) =>
      withHeader(v1, dict(`${'('.repeat(50_000)}6, 4${')'.repeat(50_000)}`).slice(0, 65_000)),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /Expected at most 16 levels of nesting in the .npy header, got "\(\(\(/,
  },
  {
    name: 'a header length over 65535 (version 2.0)',
    bytes: ({ v2 }) => withLength(v2, 0xfffffff0),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /Expected the .npy header length \(bytes 8-11\) to be at most 65535, got 4294967280/,
  },
  {
    name: 'a header length past the end of the file',
    bytes: ({ v1 }) => withLength(v1, 60_000),
    error: FormatError,
    code: 'NPY_TRUNCATED',
    message: /Expected a 60010-byte .npy header, the file ends after 224 bytes/,
  },
  {
    name: 'a header length that cuts the dict',
    bytes: ({ v1 }) => withLength(v1, 30),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /Expected a closing quote on the same line in the .npy header, got "'fortran_orde"/,
  },
  {
    name: 'version 9.0',
    bytes: ({ v1 }) => Buffer.concat([v1.subarray(0, 6), Buffer.from([9, 0]), v1.subarray(8)]),
    error: UnsupportedError,
    code: 'NPY_VERSION',
    message: /format version 1.0, 2.0 or 3.0 \(header field 'version'\), got 9.0/,
  },
  {
    name: 'version 1.3',
    bytes: ({ v1 }) => Buffer.concat([v1.subarray(0, 6), Buffer.from([1, 3]), v1.subarray(8)]),
    error: UnsupportedError,
    code: 'NPY_VERSION',
    message: /got 1.3/,
  },
  {
    name: 'a number as descr',
    bytes: ({ v1 }) => withHeader(v1, dict('(6, 4)', '4')),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'descr' to be a dtype string or a list of fields, got 4/,
  },
  {
    name: 'a descr that is no dtype',
    bytes: ({ v1 }) => withHeader(v1, dict('(6, 4)', "'<f4; rm -rf'")),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'descr' .* got '<f4; rm -rf'/,
  },
  {
    name: 'float64',
    bytes: ({ v1 }) => withHeader(v1, dict('(3, 4)', "'<f8'")),
    error: UnsupportedError,
    code: 'NPY_DTYPE',
    message: /Expected dtype '<f4' \(little-endian float32\), got '<f8'/,
  },
  {
    name: 'big-endian float32',
    bytes: ({ v1 }) => withHeader(v1, dict('(6, 4)', "'>f4'")),
    error: UnsupportedError,
    code: 'NPY_BIG_ENDIAN',
    message: /got big-endian '>f4'/,
  },
  {
    name: 'Fortran order',
    bytes: ({ v1 }) => withHeader(v1, dict('(6, 4)', "'<f4'", 'True')),
    error: UnsupportedError,
    code: 'NPY_FORTRAN_ORDER',
    message: /Expected C order/,
  },
  {
    name: 'three dimensions',
    bytes: ({ v1 }) => withHeader(v1, dict('(2, 3, 4)')),
    error: UnsupportedError,
    code: 'NPY_SHAPE',
    message: /Expected a 2-D shape \(n, d\) with d >= 1, got \(2, 3, 4\)/,
  },
  {
    name: "fortran_order 'False' as a string",
    bytes: ({ v1 }) => withHeader(v1, dict('(6, 4)', "'<f4'", "'False'")),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'fortran_order' to be True or False, got 'False'/,
  },
  {
    name: 'fortran_order 0',
    bytes: ({ v1 }) => withHeader(v1, dict('(6, 4)', "'<f4'", '0')),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /field 'fortran_order' to be True or False, got 0/,
  },
  {
    name: 'a missing key',
    bytes: ({ v1 }) => withHeader(v1, "{'descr': '<f4', 'shape': (6, 4), }"),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /to have the key 'fortran_order', got keys 'descr', 'shape'/,
  },
  {
    name: 'an extra key',
    bytes: ({ v1 }) => withHeader(v1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6, 4), 'x': 1}"),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /only the keys 'descr', 'fortran_order' and 'shape' in the .npy header, got also 'x'/,
  },
  {
    name: 'a __proto__ key',
    bytes: ({ v1 }) =>
      withHeader(v1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6, 4), '__proto__': {}}"),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /got also '__proto__'/,
  },
  {
    name: 'a key twice',
    bytes: ({ v1 }) =>
      withHeader(v1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), 'shape': (6, 4)}"),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /Expected each key once \('shape' appears twice\)/,
  },
  {
    name: 'a list, not a dict',
    bytes: ({ v1 }) => withHeader(v1, "['<f4', False, (6, 4)]"),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /Expected the .npy header to be a dict literal, got \['<f4', False, \(6, 4\)\]/,
  },
  {
    name: 'text after the dict',
    bytes: ({ v1 }) => withHeader(v1, `${dict('(6, 4)')} x`),
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /Expected the end of the header after its dict in the .npy header, got "x/,
  },
  {
    name: 'invalid UTF-8 in a version 3.0 header',
    bytes: ({ v3 }) => {
      const out = Buffer.from(v3)
      out[12 + out.toString('latin1', 12, 80).indexOf('<f4') + 1] = 0xff
      return out
    },
    error: FormatError,
    code: 'NPY_BAD_HEADER',
    message: /version 3.0 .npy header in UTF-8, got invalid UTF-8/,
  },
]

describe('every .npy header field is checked before anything is read or written', () => {
  const tmp = tempDir()
  let base: { v1: Buffer; v2: Buffer; v3: Buffer; writer: string }
  beforeAll(() => {
    base = baseNpyFiles(tmp.dir)
  })
  afterAll(() => tmp.remove())

  describe.each(backends)('$backend backend', ({ backend }) => {
    it.skipIf(skipBackend(backend))('opens the valid files (versions 1.0, 2.0 and 3.0)', () => {
      for (const version of ['v1', 'v2', 'v3'] as const) {
        const path = tmp.path(`valid-${version}-${backend}.npy`)
        writeFileSync(path, base[version])
        const v = loadMemoryMappedVectors(path, { backend })
        expect([v.length, v.dimension], `${base.writer} ${version}`).toEqual([BASE_ROWS, BASE_DIM])
        expect(v.slice()).toEqual(flat(0, BASE_ROWS, BASE_DIM))
        v.close()
      }
    })

    it.skipIf(skipBackend(backend)).each(cases)(
      '$name: a typed error naming the field, in modes r and r+, and the file is unchanged',
      (c) => {
        const bytes = c.bytes(base)
        const path = tmp.path(`${c.name.replace(/\W+/g, '-')}-${backend}.npy`)
        writeFileSync(path, bytes)
        for (const mode of ['r', 'r+'] as const) {
          const started = performance.now()
          let caught: unknown
          try {
            loadMemoryMappedVectors(path, { mode, backend }).close()
          } catch (err) {
            caught = err
          }
          expect(performance.now() - started, 'milliseconds to refuse').toBeLessThan(1000)
          expect(caught, `${c.name}, mode ${mode}`).toBeInstanceOf(c.error)
          const err = caught as SdError
          expect(err.code).toBe(c.code)
          expect(err.message).toMatch(c.message)
          expect(err.location?.file).toBe(path)
          expect(typeof err.location?.byte).toBe('number')
        }
        expect(readFileSync(path).equals(bytes), 'the file is unchanged').toBe(true)
      },
    )
  })

  it('a valid header with odd but legal Python (spacing, order, trailing commas, 1-tuple parens) opens', () => {
    const data = flat(0, 3, 2)
    const variants = [
      "{'shape':(3,2),'fortran_order':False,'descr':'<f4'}",
      '{ "descr" : "<f4" ,\n "fortran_order" : False , "shape" : ( 3 , 2 , ) , }',
      "{'descr': '<f4', 'fortran_order': False, 'shape': ((3, 2)), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 2L), }",
    ]
    for (const [k, text] of variants.entries()) {
      const path = tmp.path(`variant-${k}.npy`)
      writeFileSync(path, npyWithHeader(text, data))
      const v = loadMemoryMappedVectors(path)
      expect([v.length, v.dimension], text).toEqual([3, 2])
      expect(v.slice()).toEqual(data)
      v.close()
    }
  })
})
