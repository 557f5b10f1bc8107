import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { NotFoundError, StateError, ValidationError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from './load.js'
import { backends, eachTempDir, flat, openFds, skipBackend, value, vectors } from './test-support/fixtures.js'

describe.each(backends)('$backend backend', ({ backend }) => {
  const tmp = eachTempDir()

  describe.skipIf(skipBackend(backend))('the issue list', () => {
    it('creates 100 vectors of dim 10: length, get, slice', () => {
      const v = createMemoryMappedVectors(tmp.path('v.f32'), {
        dimension: 10,
        initialVectors: vectors(0, 100, 10),
        backend,
      })
      expect(v.backend).toBe(backend)
      expect(v.length).toBe(100)
      expect(v.get(0)).toHaveLength(10)
      expect(v.slice(10, 20)).toHaveLength(100)
      expect([...v.get(0)]).toEqual(vectors(0, 1, 10)[0])
      expect(v.slice(10, 20)).toEqual(flat(10, 10, 10))
      v.close()
    })

    it('appends 50: the raw file is exactly 6000 bytes; reopened read-only, rows 100..150 equal them', () => {
      const path = tmp.path('v.f32')
      const v = createMemoryMappedVectors(path, { dimension: 10, initialVectors: flat(0, 100, 10), backend })
      expect(v.append(vectors(100, 50, 10))).toBe(150)
      v.close()
      expect(statSync(path).size).toBe(6000)
      const r = loadMemoryMappedVectors(path, { dimension: 10, mode: 'r', backend })
      expect(r.length).toBe(150)
      expect(r.slice(100, 150)).toEqual(flat(100, 50, 10))
      for (let i = 100; i < 150; i++) expect([...r.get(i)]).toEqual(vectors(i, 1, 10)[0])
      r.close()
    })

    it('appending one vector grows the length by 1', () => {
      const v = createMemoryMappedVectors(tmp.path('v.npy'), {
        dimension: 10,
        initialVectors: flat(0, 7, 10),
        backend,
      })
      v.append(new Float32Array(10).fill(2.5))
      expect(v.length).toBe(8)
      expect(v.get(7)).toEqual(new Float32Array(10).fill(2.5))
      v.append([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      expect(v.length).toBe(9)
      v.close()
    })

    it('a raw file of 20 floats at dim 10 has length 2; of 5 floats, length 0 (with a warning)', async () => {
      writeFileSync(tmp.path('20.f32'), flat(0, 2, 10))
      const two = loadMemoryMappedVectors(tmp.path('20.f32'), { dimension: 10, backend })
      expect(two.length).toBe(2)
      expect(two.get(1)).toEqual(flat(1, 1, 10))
      two.close()
      writeFileSync(tmp.path('5.f32'), new Float32Array([1, 2, 3, 4, 5]))
      const warning = new Promise<Error>((resolve) => process.once('warning', resolve))
      const none = loadMemoryMappedVectors(tmp.path('5.f32'), { dimension: 10, backend })
      expect(none.length).toBe(0)
      expect(() => none.get(0)).toThrow(ValidationError)
      none.close()
      const w = await warning
      expect(w.message).toContain('20 bytes after the last whole 10-dimensional vector are ignored')
      expect((w as Error & { code?: string }).code).toBe('PARTIAL_VECTOR')
      expect(statSync(tmp.path('5.f32')).size).toBe(20)
    })

    it('skips a 16-byte prefix with offset: 16', () => {
      const path = tmp.path('prefix.bin')
      const prefix = Buffer.from('HEADER-16-BYTES!')
      writeFileSync(path, Buffer.concat([prefix, Buffer.from(flat(0, 3, 4).buffer)]))
      const v = loadMemoryMappedVectors(path, { dimension: 4, offset: 16, backend })
      expect(v.length).toBe(3)
      expect(v.slice()).toEqual(flat(0, 3, 4))
      v.close()
      const w = createMemoryMappedVectors(path, { dimension: 4, offset: 16, mode: 'r+', backend })
      w.append(flat(3, 1, 4))
      w.close()
      const bytes = readFileSync(path)
      expect(bytes.subarray(0, 16).equals(prefix)).toBe(true)
      expect(
        new Float32Array(bytes.buffer.slice(bytes.byteOffset + 16, bytes.byteOffset + bytes.length)),
      ).toEqual(flat(0, 4, 4))
    })

    it("'w+' truncates an existing file", () => {
      for (const name of ['t.f32', 't.npy']) {
        const path = tmp.path(name)
        createMemoryMappedVectors(path, { dimension: 10, initialVectors: flat(0, 30, 10), backend }).close()
        const v = createMemoryMappedVectors(path, { dimension: 10, mode: 'w+', backend })
        expect(v.length).toBe(0)
        v.append(flat(500, 2, 10))
        v.close()
        const r = loadMemoryMappedVectors(path, { dimension: 10, backend })
        expect(r.length).toBe(2)
        expect(r.slice()).toEqual(flat(500, 2, 10))
        r.close()
      }
    })
  })

  describe.skipIf(skipBackend(backend))('reading', () => {
    it('counts negative indexes from the end, and slices like Array.slice', () => {
      const v = createMemoryMappedVectors(tmp.path('v.npy'), {
        dimension: 3,
        initialVectors: flat(0, 20, 3),
        backend,
      })
      expect(v.get(-1)).toEqual(flat(19, 1, 3))
      expect(v.get(-20)).toEqual(flat(0, 1, 3))
      expect(v.slice(-5)).toEqual(flat(15, 5, 3))
      expect(v.slice(15, 100)).toEqual(flat(15, 5, 3))
      expect(v.slice(5, 2)).toHaveLength(0)
      expect(v.slice(-100, 2)).toEqual(flat(0, 2, 3))
      v.close()
    })

    it('reads a row into a caller buffer with readInto', () => {
      const v = createMemoryMappedVectors(tmp.path('v.f32'), {
        dimension: 5,
        initialVectors: flat(0, 300, 5),
        backend,
      })
      const out = new Float32Array(12).fill(-1)
      expect(v.readInto(123, out, 7)).toBe(out)
      expect(out.subarray(7)).toEqual(flat(123, 1, 5))
      expect(out.subarray(0, 7)).toEqual(new Float32Array(7).fill(-1))
      v.readInto(-1, out)
      expect(out.subarray(0, 5)).toEqual(flat(299, 1, 5))
      expect(() => v.readInto(0, out, 8)).toThrow(/room for 5 values at offset 8/)
      v.close()
    })

    it('gets rows after appends even when the page holding the old last row was cached', () => {
      const v = createMemoryMappedVectors(tmp.path('v.f32'), {
        dimension: 4,
        initialVectors: flat(0, 3, 4),
        backend,
      })
      expect(v.get(2)).toEqual(flat(2, 1, 4))
      for (let i = 3; i < 40; i++) {
        v.append(flat(i, 1, 4))
        expect(v.get(i)).toEqual(flat(i, 1, 4))
        expect(v.get(i - 1)).toEqual(flat(i - 1, 1, 4))
      }
      expect(v.slice()).toEqual(flat(0, 40, 4))
      v.close()
    })

    it('iterates batches with for and for await, and over a range', async () => {
      const v = createMemoryMappedVectors(tmp.path('v.npy'), {
        dimension: 6,
        initialVectors: flat(0, 1000, 6),
        backend,
      })
      const sync = [...v.iterBatches(64)]
      expect(sync.map((b) => b.length / 6)).toEqual([...new Array(15).fill(64), 1000 - 15 * 64])
      const asyncBatches: Float32Array[] = []
      for await (const batch of v.iterBatches(64, { prefetch: 3 })) asyncBatches.push(batch)
      for (const batches of [sync, asyncBatches]) {
        const all = new Float32Array(6000)
        let at = 0
        for (const b of batches) {
          all.set(b, at)
          at += b.length
        }
        expect(all).toEqual(flat(0, 1000, 6))
      }
      const ranged = [...v.iterBatches(100, { start: -250, end: 900, prefetch: 0 })]
      expect(ranged.map((b) => b.length / 6)).toEqual([100, 50])
      expect(ranged[1]).toEqual(flat(850, 50, 6))
      v.close()
    })

    it('returns zero-copy views with mmap and copies with pread', () => {
      const v = createMemoryMappedVectors(tmp.path('v.f32'), {
        dimension: 4,
        initialVectors: flat(0, 10, 4),
        backend,
      })
      const a = v.get(3)
      const b = v.get(3)
      a[0] = 12345
      expect(v.zeroCopy).toBe(backend === 'mmap')
      // views share the mapping: a change through one shows through the other (never in the file)
      expect(b[0]).toBe(backend === 'mmap' ? 12345 : value(3, 0))
      expect(a.buffer === b.buffer).toBe(backend === 'mmap')
      v.close()
      expect(readFileSync(tmp.path('v.f32')).readFloatLE(3 * 16)).toBe(value(3, 0))
      // a view outlives nothing: after close it is empty rather than pointing at unmapped memory
      if (backend === 'mmap') expect(a.length).toBe(0)
      else expect(a[0]).toBe(12345)
    })
  })

  describe.skipIf(skipBackend(backend))('bad input', () => {
    it("throws NotFoundError for a missing file in mode 'r' and 'r+'", () => {
      for (const mode of ['r', 'r+'] as const) {
        expect(() => loadMemoryMappedVectors(tmp.path('nope.npy'), { mode, backend })).toThrow(NotFoundError)
      }
      expect(() => loadMemoryMappedVectors(tmp.path('nope.npy'), { backend })).toThrow(/nope\.npy/)
    })

    it("refuses append in mode 'r' as read-only, and leaves the file alone", () => {
      const path = tmp.path('v.npy')
      createMemoryMappedVectors(path, { dimension: 3, initialVectors: flat(0, 4, 3), backend }).close()
      const before = readFileSync(path)
      const v = loadMemoryMappedVectors(path, { backend })
      expect(() => v.append(flat(4, 1, 3))).toThrow(StateError)
      expect(() => v.append(flat(4, 1, 3))).toThrow(/read-only/)
      expect(v.length).toBe(4)
      v.close()
      expect(readFileSync(path).equals(before)).toBe(true)
    })

    it('rejects a vector of the wrong dimension before writing anything', () => {
      const path = tmp.path('v.f32')
      const v = createMemoryMappedVectors(path, { dimension: 10, initialVectors: flat(0, 5, 10), backend })
      const err = (() => {
        try {
          v.append([1, 2, 3, 4, 5, 6, 7])
        } catch (e) {
          return e
        }
      })()
      expect(err).toBeInstanceOf(ValidationError)
      expect((err as ValidationError).code).toBe('DIMENSION_MISMATCH')
      expect((err as Error).message).toMatch(/^Vector dimension 7 doesn't match expected dimension 10/)
      expect(() => v.append([...vectors(5, 2, 10), [1, 2, 3, 4, 5, 6, 7]])).toThrow(
        /^Vector dimension 7 doesn't match expected dimension 10 \(at file ".*", index 2\)/,
      )
      expect(() => v.append(new Float32Array(7))).toThrow(
        /^Vector dimension 7 doesn't match expected dimension 10/,
      )
      expect(() => v.append(new Float32Array(25))).toThrow(/whole 10-dimensional vectors, got 25 values/)
      expect(v.length).toBe(5)
      v.close()
      expect(statSync(path).size).toBe(200)
    })

    it('rejects indexes out of range', () => {
      const v = createMemoryMappedVectors(tmp.path('v.f32'), {
        dimension: 2,
        initialVectors: flat(0, 10, 2),
        backend,
      })
      for (const i of [10, -11, 1.5, Number.NaN]) expect(() => v.get(i)).toThrow(ValidationError)
      expect(() => v.get(10)).toThrow(/Index 10 is out of range for 10 vectors \(expected -10 <= i < 10\)/)
      expect(() => v.readInto(10, new Float32Array(2))).toThrow(/out of range/)
      expect(() => v.slice(0.5)).toThrow(/start must be an integer/)
      v.close()
    })

    it('throws StateError on use after close, and releases the descriptor', () => {
      const fds = openFds()
      const v = createMemoryMappedVectors(tmp.path('v.npy'), {
        dimension: 2,
        initialVectors: flat(0, 10, 2),
        backend,
      })
      const batches = v.iterBatches(3)[Symbol.iterator]()
      batches.next()
      v.close()
      v.close()
      expect(openFds()).toBe(fds)
      expect(v.closed).toBe(true)
      for (const use of [
        () => v.get(0),
        () => v.slice(0, 1),
        () => v.readInto(0, new Float32Array(2)),
        () => v.append(flat(0, 1, 2)),
        () => v.iterBatches(2),
        () => v.flush(),
        () => v.toDataset(),
      ]) {
        expect(use).toThrow(StateError)
        expect(use).toThrow(/the vector file was closed/)
      }
      // a generator throws once, then is done
      expect(() => batches.next()).toThrow(/Cannot iterBatches: the vector file was closed/)
    })

    it('needs the dimension for raw files and checks it against .npy headers', () => {
      writeFileSync(tmp.path('v.f32'), flat(0, 2, 4))
      expect(() => loadMemoryMappedVectors(tmp.path('v.f32'), { backend })).toThrow(
        /pass the dimension option/,
      )
      createMemoryMappedVectors(tmp.path('v.npy'), { dimension: 10, backend }).close()
      expect(() => loadMemoryMappedVectors(tmp.path('v.npy'), { dimension: 7, backend })).toThrow(
        /Vector dimension 10 \(from the \.npy header\) doesn't match expected dimension 7/,
      )
    })
  })
})
