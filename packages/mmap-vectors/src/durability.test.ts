import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { UnsupportedError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from './load.js'
import { formatNpyHeader } from './npy-header.js'
import { backends, bytes, eachTempDir, flat, skipBackend } from './test-support/fixtures.js'
import { npyWithHeader, runScript } from './test-support/npy-files.js'

function caught(fn: () => unknown): Error & { code?: string } {
  try {
    fn()
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected an error')
}

/** The next warning about `path` (warnings are emitted on a later tick, so others may come first). */
function nextWarning(path: string): Promise<Error & { code?: string }> {
  return new Promise((resolve) => {
    const listener = (warning: Error & { code?: string }) => {
      if (!warning.message.includes(path)) return
      process.off('warning', listener)
      resolve(warning)
    }
    process.on('warning', listener)
  })
}

describe.each(backends)('$backend backend', ({ backend }) => {
  const tmp = eachTempDir()

  describe.skipIf(skipBackend(backend))('a crash between the data and the header update', () => {
    it('leaves a valid .npy file with the old count; opening for writing keeps the bytes and writes over them', async () => {
      const path = tmp.path('crash.npy')
      createMemoryMappedVectors(path, { dimension: 10, initialVectors: flat(0, 100, 10), backend }).close()
      const committed = statSync(path).size
      // what an append does before it publishes the count: the data alone
      appendFileSync(path, bytes(flat(100, 50, 10)))

      const r = loadMemoryMappedVectors(path, { backend })
      expect(r.length).toBe(100)
      expect(r.slice()).toEqual(flat(0, 100, 10))
      r.close()
      expect(statSync(path).size).toBe(committed + 2000)

      const warning = nextWarning(path)
      const w = loadMemoryMappedVectors(path, { mode: 'r+', backend })
      const seen = await warning
      expect(seen.code).toBe('PARTIAL_VECTOR')
      expect(seen.message).toMatch(/2000 bytes after the 100 vectors the header counts are not counted/)
      expect(w.length).toBe(100)
      // opening for writing shrinks nothing
      expect(statSync(path).size).toBe(committed + 2000)
      w.append(flat(200, 5, 10))
      w.close()
      // 5 rows written over the first 5 unpublished ones; the other 45 stay uncounted
      expect(statSync(path).size).toBe(committed + 2000)
      const again = loadMemoryMappedVectors(path, { backend })
      expect(again.length).toBe(105)
      expect(again.slice(0, 100)).toEqual(flat(0, 100, 10))
      expect(again.slice(100)).toEqual(flat(200, 5, 10))
      again.close()
    })

    it('an append that fails part way (the file size limit) leaves the size, the count and the committed rows', async () => {
      const path = tmp.path('limit.npy')
      createMemoryMappedVectors(path, { dimension: 256, initialVectors: flat(0, 100, 256), backend }).close()
      appendFileSync(path, bytes(flat(100, 3, 256)))
      const before = readFileSync(path)
      // 150 KiB allowed: the file has ~103 KiB; appending 100 more rows (100 KiB) fails with EFBIG
      const { done } = runScript('appender.ts', [path, '256', '1', '100', 'true', backend], {
        fileSizeLimitKb: 150,
      })
      const result = await done
      expect(result.status, result.stderr).toBe(0)
      const report = JSON.parse(result.stdout.trim().split('\n').at(-1) as string)
      expect(report.error).toMatchObject({ code: 'IO_EFBIG', sd: true })
      expect(report.length).toBe(100)
      const after = readFileSync(path)
      expect(after.length).toBe(before.length)
      // the header still counts 100 rows and the committed rows are intact
      expect(
        after.subarray(0, before.length - 3 * 1024).equals(before.subarray(0, before.length - 3 * 1024)),
      ).toBe(true)
      const r = loadMemoryMappedVectors(path, { backend })
      expect(r.length).toBe(100)
      expect(r.slice()).toEqual(flat(0, 100, 256))
      r.close()
    })

    it('a raw file whose append fails part way keeps its length', async () => {
      const path = tmp.path('limit.f32')
      writeFileSync(path, bytes(flat(0, 100, 256)))
      const before = readFileSync(path)
      const { done } = runScript('appender.ts', [path, '256', '1', '100', 'true', backend], {
        fileSizeLimitKb: 150,
      })
      const result = await done
      expect(result.status, result.stderr).toBe(0)
      const report = JSON.parse(result.stdout.trim().split('\n').at(-1) as string)
      expect(report.error).toMatchObject({ code: 'IO_EFBIG', sd: true })
      expect(readFileSync(path).equals(before)).toBe(true)
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
      const warning = nextWarning(path)
      const r = loadMemoryMappedVectors(path, { dimension: 10, backend })
      expect(r.length).toBe(100)
      expect(r.get(-1)).toEqual(flat(99, 1, 10))
      r.close()
      const w = await warning
      expect(w.code).toBe('PARTIAL_VECTOR')
      expect(w.message).toContain('12 bytes after the last whole 10-dimensional vector are ignored')
      expect(statSync(path).size).toBe(4012)
    })

    it('is kept when a raw file is opened for writing, and the next append writes over it', async () => {
      const path = tmp.path('partial.f32')
      writeFileSync(
        path,
        Buffer.concat([Buffer.from(flat(0, 100, 10).buffer), Buffer.from(new Float32Array(3).buffer)]),
      )
      const warning = nextWarning(path)
      const w = createMemoryMappedVectors(path, { dimension: 10, mode: 'r+', backend })
      expect((await warning).message).toContain(
        '12 bytes after the last whole 10-dimensional vector are not counted',
      )
      expect(statSync(path).size).toBe(4012)
      expect(w.length).toBe(100)
      w.close()
      expect(statSync(path).size).toBe(4012)
      const again = createMemoryMappedVectors(path, { dimension: 10, mode: 'r+', backend })
      again.append(flat(100, 1, 10))
      again.close()
      const bytes = readFileSync(path)
      expect(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)).toEqual(flat(0, 101, 10))
    })
  })

  describe.skipIf(skipBackend(backend))('a corrupt or unsupported .npy file', () => {
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
