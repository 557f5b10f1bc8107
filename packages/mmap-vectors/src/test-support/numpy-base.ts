import { readFileSync } from 'node:fs'
import { flat, hasNumpy, python } from './fixtures.js'
import { npyWithHeader } from './npy-files.js'

/** Rows and dimension of {@link baseNpyFiles}' matrices. */
export const BASE_ROWS = 6
export const BASE_DIM = 4

/**
 * Valid `.npy` files of the {@link BASE_ROWS} x {@link BASE_DIM} test vectors (`value(i, j)`), in
 * format versions 1.0, 2.0 and 3.0, as bytes: written by NumPy into `dir` when it is installed,
 * else assembled here the way NumPy lays them out.
 */
export function baseNpyFiles(dir: string): { v1: Buffer; v2: Buffer; v3: Buffer; writer: string } {
  if (!hasNumpy()) {
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${BASE_ROWS}, ${BASE_DIM}), }`
    const data = flat(0, BASE_ROWS, BASE_DIM)
    return {
      v1: npyWithHeader(dict, data, { version: 1 }),
      v2: npyWithHeader(dict, data, { version: 2 }),
      v3: npyWithHeader(dict, data, { version: 3 }),
      writer: 'this test',
    }
  }
  python(
    `d = sys.argv[1]
a = (np.arange(${BASE_ROWS})[:, None] * 8 + np.arange(${BASE_DIM})[None, :] * 0.25 - 3).astype('<f4')
np.save(d + '/v1.npy', a)
for v in (2, 3):
    with open(d + f'/v{v}.npy', 'wb') as f:
        np.lib.format.write_array(f, a, version=(v, 0))
print('null')`,
    dir,
  )
  return {
    v1: readFileSync(`${dir}/v1.npy`),
    v2: readFileSync(`${dir}/v2.npy`),
    v3: readFileSync(`${dir}/v3.npy`),
    writer: 'NumPy',
  }
}
