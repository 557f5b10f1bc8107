import { appendFileSync, copyFileSync } from 'node:fs'
import { UnsupportedError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors } from './load.js'
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

// Python starts slowly, so each side runs once: NumPy writes every fixture up front, and one
// NumPy run per backend checks every file this package wrote.

/** The test vectors, made by NumPy: `value(i, j) = i * 8 + j * 0.25 - 3`. */
const NUMPY_VECTORS = `
def vectors(n, d, dtype='<f4'):
    return (np.arange(n)[:, None] * 8 + np.arange(d)[None, :] * 0.25 - 3).astype(dtype)
`

describe.skipIf(!hasNumpy())('NumPy interop', () => {
  const tmp = tempDir()
  beforeAll(() => {
    python(
      `${NUMPY_VECTORS}
d = sys.argv[1]
np.save(d + '/numpy.npy', vectors(250, 12))
for v in (2, 3):
    m = np.lib.format.open_memmap(d + f'/v{v}.npy', mode='w+', dtype='<f4', shape=(40, 5), version=(v, 0))
    m[:] = vectors(40, 5)
    m.flush()
    del m
np.save(d + '/f8.npy', vectors(4, 3, '<f8'))
np.save(d + '/be.npy', vectors(4, 3, '>f4'))
np.save(d + '/fortran.npy', np.asfortranarray(vectors(4, 3)))
np.save(d + '/one-d.npy', vectors(1, 3)[0])
print('null')`,
      tmp.dir,
    )
  })
  afterAll(() => tmp.remove())

  describe.each(backends)('$backend backend', ({ backend }) => {
    describe.skipIf(skipBackend(backend))('files', () => {
      it('a file NumPy writes opens here with equal values (format 1.0, 2.0 and 3.0)', () => {
        const r = loadMemoryMappedVectors(tmp.path('numpy.npy'), { backend })
        expect([r.length, r.dimension]).toEqual([250, 12])
        expect(r.slice()).toEqual(flat(0, 250, 12))
        expect(r.get(-1)).toEqual(flat(249, 1, 12))
        r.close()
        for (const version of [2, 3]) {
          const v = loadMemoryMappedVectors(tmp.path(`v${version}.npy`), { backend })
          expect(v.slice(), `version ${version}`).toEqual(flat(0, 40, 5))
          v.close()
        }
      })

      it("refuses NumPy's float64, big-endian, Fortran-order and 1-D files with their codes", () => {
        const codes = ['f8', 'be', 'fortran', 'one-d'].map((name) => {
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

      it('files we write, append to, or leave mid-append open with np.load(p, mmap_mode="r") with equal values', () => {
        // ours: created here, then appended to in three input forms
        const ours = tmp.path(`ours-${backend}.npy`)
        const v = createMemoryMappedVectors(ours, { dimension: 7, initialVectors: flat(0, 100, 7), backend })
        v.append(vectors(100, 50, 7))
        v.append(vectors(150, 3, 7).map((row) => Float32Array.from(row)))
        v.close()
        // NumPy's file, grown here: its header is rewritten in place
        const grown = tmp.path(`grown-${backend}.npy`)
        copyFileSync(tmp.path('numpy.npy'), grown)
        const w = loadMemoryMappedVectors(grown, { mode: 'r+', backend })
        w.append(flat(250, 9750, 12))
        w.close()
        // a crash between the data and the header update: NumPy sees the old count
        const crashed = tmp.path(`crash-${backend}.npy`)
        createMemoryMappedVectors(crashed, { dimension: 4, initialVectors: flat(0, 20, 4), backend }).close()
        appendFileSync(crashed, bytes(flat(20, 5, 4)))

        const seen = python(
          `${NUMPY_VECTORS}
out = []
for path in sys.argv[1:]:
    a = np.load(path, mmap_mode='r')
    out.append({'shape': list(a.shape), 'dtype': a.dtype.str, 'c': bool(a.flags['C_CONTIGUOUS']),
                'equal': bool((a == vectors(*a.shape)).all())})
print(json.dumps(out))`,
          ours,
          grown,
          crashed,
        )
        expect(seen).toEqual([
          { shape: [153, 7], dtype: '<f4', c: true, equal: true },
          { shape: [10000, 12], dtype: '<f4', c: true, equal: true },
          { shape: [20, 4], dtype: '<f4', c: true, equal: true },
        ])
      })
    })
  })
})
