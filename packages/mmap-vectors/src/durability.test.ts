import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { FormatError, UnsupportedError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { formatNpyHeader } from './npy-header.js'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from './open.js'
import { backends, bytes, eachTempDir, flat, skipBackend } from './test-support/fixtures.js'

/** A `.npy` v1 (or v2) file with any header text, padded to `total` bytes when given. */
function npyWithHeader(
  dict: string,
  data: Float32Array,
  options: { version?: 1 | 2; total?: number } = {},
): Buffer {
  const version = options.version ?? 1
  const pre = version === 1 ? 10 : 12
  const minimal = pre + dict.length + 1
  const total = options.total ?? Math.ceil(minimal / 64) * 64
  const text = `${dict.padEnd(total - pre - 1, ' ')}\n`
  const head = Buffer.alloc(pre)
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0])
  if (version === 1) head.writeUInt16LE(text.length, 8)
  else head.writeUInt32LE(text.length, 8)
  return Buffer.concat([
    head,
    Buffer.from(text, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ])
}

function caught(fn: () => unknown): Error & { code?: string } {
  try {
    fn()
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected an error')
}

function nextWarning(): Promise<Error & { code?: string }> {
  return new Promise((resolve) => process.once('warning', resolve))
}

describe.each(backends)('$backend backend', ({ backend }) => {
  const tmp = eachTempDir()

  describe.skipIf(skipBackend(backend))('a crash between the data and the header update', () => {
    it('leaves a valid .npy file with the old count; opening for writing discards the unpublished rows', async () => {
      const path = tmp.path('crash.npy')
      createMemoryMappedVectors(path, { dimension: 10, initialVectors: flat(0, 100, 10), backend }).close()
      const committed = statSync(path).size
      // what an append does before it publishes the count: the data alone
      appendFileSync(path, bytes(flat(100, 50, 10)))

      let warning = nextWarning()
      const r = loadMemoryMappedVectors(path, { backend })
      expect(r.length).toBe(100)
      expect(r.slice()).toEqual(flat(0, 100, 10))
      r.close()
      expect((await warning).message).toMatch(
        /2000 bytes after the 100 vectors the header counts are ignored/,
      )
      expect(statSync(path).size).toBe(committed + 2000)

      warning = nextWarning()
      const w = loadMemoryMappedVectors(path, { mode: 'r+', backend })
      expect((await warning).code).toBe('PARTIAL_VECTOR_TRUNCATED')
      expect(w.length).toBe(100)
      expect(statSync(path).size).toBe(committed)
      w.append(flat(200, 5, 10))
      w.close()
      const again = loadMemoryMappedVectors(path, { backend })
      expect(again.length).toBe(105)
      expect(again.slice(100)).toEqual(flat(200, 5, 10))
      again.close()
    })

    it('publishes the count in the header on every append', () => {
      const path = tmp.path('live.npy')
      const w = createMemoryMappedVectors(path, { dimension: 4, backend, syncAppends: false })
      for (let n = 1; n <= 12; n++) {
        w.append(flat(n, 1, 4))
        const reader = loadMemoryMappedVectors(path, { backend })
        expect(reader.length).toBe(n)
        expect(reader.get(-1)).toEqual(flat(n, 1, 4))
        reader.close()
      }
      w.flush()
      w.close()
    })
  })

  describe.skipIf(skipBackend(backend))('a partial trailing vector', () => {
    it('is ignored with a warning when reading a raw file, and the file is left alone', async () => {
      const path = tmp.path('partial.f32')
      writeFileSync(
        path,
        Buffer.concat([Buffer.from(flat(0, 100, 10).buffer), Buffer.from(new Float32Array(3).buffer)]),
      )
      const warning = nextWarning()
      const r = loadMemoryMappedVectors(path, { dimension: 10, backend })
      expect(r.length).toBe(100)
      expect(r.get(-1)).toEqual(flat(99, 1, 10))
      r.close()
      const w = await warning
      expect(w.code).toBe('PARTIAL_VECTOR')
      expect(w.message).toContain('12 bytes after the last whole 10-dimensional vector are ignored')
      expect(statSync(path).size).toBe(4012)
    })

    it('is truncated when a raw file is opened for writing', async () => {
      const path = tmp.path('partial.f32')
      writeFileSync(
        path,
        Buffer.concat([Buffer.from(flat(0, 100, 10).buffer), Buffer.from(new Float32Array(3).buffer)]),
      )
      const warning = nextWarning()
      const w = createMemoryMappedVectors(path, { dimension: 10, mode: 'r+', backend })
      expect((await warning).message).toContain(
        '12 bytes after the last whole 10-dimensional vector were truncated',
      )
      expect(statSync(path).size).toBe(4000)
      w.append(flat(100, 1, 10))
      w.close()
      const bytes = readFileSync(path)
      expect(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)).toEqual(flat(0, 101, 10))
    })
  })

  describe.skipIf(skipBackend(backend))('a corrupt or unsupported .npy file', () => {
    it('is a typed error, and opening it for writing changes nothing', () => {
      const cases: {
        name: string
        bytes: Buffer
        error: typeof FormatError | typeof UnsupportedError
        code: string
        message: RegExp
      }[] = [
        {
          name: 'magic',
          bytes: Buffer.concat([Buffer.from('NOTNUMPY'), Buffer.alloc(120)]),
          error: FormatError,
          code: 'NPY_BAD_MAGIC',
          message:
            /Expected the NumPy magic string .* got 4e 4f 54 4e 55 4d \(at file ".*magic\.npy", byte 0\)/,
        },
        {
          name: 'version',
          bytes: (() => {
            const b = npyWithHeader(
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
              flat(0, 1, 2),
            )
            b[6] = 9
            return b
          })(),
          error: UnsupportedError,
          code: 'NPY_VERSION',
          message: /Expected .npy format version 1.0, 2.0 or 3.0, got 9.0/,
        },
        {
          name: 'dict',
          bytes: npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2) }}", flat(0, 1, 2)),
          error: FormatError,
          code: 'NPY_BAD_HEADER',
          message: /Expected the end of the header in the .npy header, got "}/,
        },
        {
          name: 'missing-key',
          bytes: npyWithHeader("{'descr': '<f4', 'shape': (1, 2), }", flat(0, 1, 2)),
          error: FormatError,
          code: 'NPY_BAD_HEADER',
          message: /to have the key 'fortran_order'/,
        },
        {
          name: 'float64',
          bytes: npyWithHeader(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }",
            new Float32Array(2),
          ),
          error: UnsupportedError,
          code: 'NPY_DTYPE',
          message: /Expected dtype '<f4' \(little-endian float32\), got '<f8'/,
        },
        {
          name: 'big-endian',
          bytes: npyWithHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }", flat(0, 1, 2)),
          error: UnsupportedError,
          code: 'NPY_BIG_ENDIAN',
          message: /got big-endian '>f4'/,
        },
        {
          name: 'fortran',
          bytes: npyWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", flat(0, 1, 2)),
          error: UnsupportedError,
          code: 'NPY_FORTRAN_ORDER',
          message: /Expected C order/,
        },
        {
          name: 'three-d',
          bytes: npyWithHeader(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 1), }",
            flat(0, 1, 2),
          ),
          error: UnsupportedError,
          code: 'NPY_SHAPE',
          message: /Expected a 2-D shape \(n, d\) with d >= 1, got \(1, 2, 1\)/,
        },
        {
          name: 'truncated-data',
          bytes: npyWithHeader(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (100, 2), }",
            flat(0, 50, 2),
          ),
          error: FormatError,
          code: 'NPY_TRUNCATED',
          message: /declares shape \(100, 2\), 800 data bytes, but the file holds 400 after the header/,
        },
        {
          name: 'truncated-header',
          bytes: npyWithHeader(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
            new Float32Array(0),
          ).subarray(0, 40),
          error: FormatError,
          code: 'NPY_TRUNCATED',
          message: /Expected a 128-byte .npy header, the file ends after 40 bytes/,
        },
      ]
      for (const c of cases) {
        const path = tmp.path(`${c.name}.npy`)
        writeFileSync(path, c.bytes)
        for (const mode of ['r', 'r+'] as const) {
          const err = caught(() => loadMemoryMappedVectors(path, { mode, backend }))
          expect(err, c.name).toBeInstanceOf(c.error)
          expect(err.code, c.name).toBe(c.code)
          expect(err.message, c.name).toMatch(c.message)
        }
        expect(readFileSync(path).equals(c.bytes), c.name).toBe(true)
      }
    })

    it('reads a version 2.0 header and keeps it when appending', () => {
      const path = tmp.path('v2.npy')
      writeFileSync(
        path,
        npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", flat(0, 3, 2), {
          version: 2,
        }),
      )
      const w = loadMemoryMappedVectors(path, { mode: 'r+', backend })
      expect(w.slice()).toEqual(flat(0, 3, 2))
      w.append(flat(3, 2, 2))
      w.close()
      const bytes = readFileSync(path)
      expect(bytes[6]).toBe(2)
      expect(bytes.toString('latin1', 12, 80)).toContain("'shape': (5, 2)")
      const r = loadMemoryMappedVectors(path, { backend })
      expect(r.slice()).toEqual(flat(0, 5, 2))
      r.close()
    })

    it('refuses an append whose count does not fit the header, before writing anything', () => {
      // a header with no spare room; its length keeps the data 4-byte aligned
      let dim = 1
      let dict = ''
      for (dim = 1; dim <= 1000; dim *= 10) {
        dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (99, ${dim}), }`
        if ((10 + dict.length + 1) % 4 === 0) break
      }
      const path = tmp.path('full.npy')
      const bytes = npyWithHeader(dict, flat(0, 99, dim), { total: 10 + dict.length + 1 })
      writeFileSync(path, bytes)
      const w = loadMemoryMappedVectors(path, { mode: 'r+', backend })
      expect(w.length).toBe(99)
      const err = caught(() => w.append(flat(99, 1, dim)))
      expect(err).toBeInstanceOf(UnsupportedError)
      expect(err.code).toBe('NPY_HEADER_FULL')
      expect(w.length).toBe(99)
      w.close()
      expect(readFileSync(path).equals(bytes)).toBe(true)
    })

    it('writes headers with room for the count to grow to 21 digits', () => {
      const header = formatNpyHeader(0, 768) as Uint8Array
      expect(header.length % 64).toBe(0)
      expect(formatNpyHeader(10 ** 20, 768, header.length)).toBeDefined()
    })
  })

  it.skipIf(skipBackend(backend))(
    "'r+' on a file of another dimension is refused and changes nothing",
    () => {
      const path = tmp.path('dim.npy')
      createMemoryMappedVectors(path, { dimension: 8, initialVectors: flat(0, 2, 8), backend }).close()
      const before = readFileSync(path)
      expect(() =>
        createMemoryMappedVectors(path, { dimension: 4, mode: 'r+', initialVectors: flat(0, 1, 4), backend }),
      ).toThrow(/Vector dimension 8 \(from the .npy header\) doesn't match expected dimension 4/)
      expect(readFileSync(path).equals(before)).toBe(true)
    },
  )
})
