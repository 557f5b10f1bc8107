import { appendFileSync } from 'node:fs'
import { UnsupportedError } from '@sd/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from './open.js'
import {
  backends,
  bytes,
  flat,
  hasNumpy,
  python,
  skipBackend,
  tempDir,
  vectors,
} from './test-support/fixtures.js'

/** The test vectors, made by NumPy: `value(i, j) = i * 8 + j * 0.25 - 3`. */
const NUMPY_VECTORS = `
def vectors(n, d, dtype='<f4'):
    return (np.arange(n)[:, None] * 8 + np.arange(d)[None, :] * 0.25 - 3).astype(dtype)
`

describe.skipIf(!hasNumpy()).each(backends)('NumPy interop, $backend backend', ({ backend }) => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => {
    tmp = tempDir()
  })
  afterEach(() => tmp.remove())

  describe.skipIf(skipBackend(backend))('files', () => {
    it('a file we write and append to opens with np.load(p, mmap_mode="r") with equal values', () => {
      const path = tmp.path('ours.npy')
      const v = createMemoryMappedVectors(path, { dimension: 7, initialVectors: flat(0, 100, 7), backend })
      v.append(vectors(100, 50, 7))
      v.append(vectors(150, 3, 7).map((row) => Float32Array.from(row)))
      v.close()
      const loaded = python(
        `a = np.load(sys.argv[1], mmap_mode='r')
print(json.dumps({'shape': list(a.shape), 'dtype': a.dtype.str, 'c': bool(a.flags['C_CONTIGUOUS']), 'values': a.tolist()}))`,
        path,
      ) as { shape: number[]; dtype: string; c: boolean; values: number[][] }
      expect(loaded.shape).toEqual([153, 7])
      expect(loaded.dtype).toBe('<f4')
      expect(loaded.c).toBe(true)
      expect(loaded.values).toEqual(vectors(0, 153, 7))
    })

    it('a file NumPy writes opens here with equal values, and appends keep it loadable', () => {
      const path = tmp.path('numpy.npy')
      python(`${NUMPY_VECTORS}\nnp.save(sys.argv[1], vectors(250, 12))\nprint('null')`, path)
      const r = loadMemoryMappedVectors(path, { backend })
      expect([r.length, r.dimension]).toEqual([250, 12])
      expect(r.slice()).toEqual(flat(0, 250, 12))
      expect(r.get(-1)).toEqual(flat(249, 1, 12))
      r.close()

      const w = loadMemoryMappedVectors(path, { mode: 'r+', backend })
      w.append(flat(250, 9750, 12))
      w.close()
      const check = python(
        `${NUMPY_VECTORS}
a = np.load(sys.argv[1], mmap_mode='r')
print(json.dumps({'shape': list(a.shape), 'equal': bool((a == vectors(10000, 12)).all())}))`,
        path,
      )
      expect(check).toEqual({ shape: [10000, 12], equal: true })
    })

    it('reads the version 2.0 and 3.0 headers NumPy writes', () => {
      for (const version of ['(2, 0)', '(3, 0)']) {
        const path = tmp.path(`v${version[1]}.npy`)
        python(
          `${NUMPY_VECTORS}
m = np.lib.format.open_memmap(sys.argv[1], mode='w+', dtype='<f4', shape=(40, 5), version=${version})
m[:] = vectors(40, 5)
m.flush()
print('null')`,
          path,
        )
        const r = loadMemoryMappedVectors(path, { backend })
        expect(r.slice(), version).toEqual(flat(0, 40, 5))
        r.close()
      }
    })

    it("refuses NumPy's float64, big-endian and Fortran-order files with their codes", () => {
      const files = python(
        `${NUMPY_VECTORS}
d = sys.argv[1]
np.save(d + '/f8.npy', vectors(4, 3, '<f8'))
np.save(d + '/be.npy', vectors(4, 3, '>f4'))
np.save(d + '/fortran.npy', np.asfortranarray(vectors(4, 3)))
np.save(d + '/one-d.npy', vectors(1, 3)[0])
print(json.dumps(['f8', 'be', 'fortran', 'one-d']))`,
        tmp.dir,
      ) as string[]
      const codes = files.map((name) => {
        try {
          loadMemoryMappedVectors(tmp.path(`${name}.npy`), { backend })
          return 'opened'
        } catch (err) {
          expect(err).toBeInstanceOf(UnsupportedError)
          return (err as UnsupportedError).code
        }
      })
      expect(codes).toEqual(['NPY_DTYPE', 'NPY_BIG_ENDIAN', 'NPY_FORTRAN_ORDER', 'NPY_SHAPE'])
    })

    it('after a crash between data and header, NumPy still loads the old count', () => {
      const path = tmp.path('crash.npy')
      createMemoryMappedVectors(path, { dimension: 4, initialVectors: flat(0, 20, 4), backend }).close()
      appendFileSync(path, bytes(flat(20, 5, 4)))
      const loaded = python(
        `a = np.load(sys.argv[1], mmap_mode='r')\nprint(json.dumps({'shape': list(a.shape), 'values': a.tolist()}))`,
        path,
      )
      expect(loaded).toEqual({ shape: [20, 4], values: vectors(0, 20, 4) })
    })
  })
})
