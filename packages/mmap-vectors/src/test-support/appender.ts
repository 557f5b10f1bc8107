/**
 * A writer in its own process, for tests of what other processes see:
 *
 *   appender.ts <path> <dimension> <appends> <rowsPerAppend> [syncAppends] [backend]
 *
 * Opens `path` with mode `'r+'` and appends `appends` times `rowsPerAppend` of the test vectors
 * (`value(i, j)`, continuing from the file's length), printing `ready` after opening, then one line
 * of JSON at the end: `{ length }`, or `{ error: { name, code, message } }` when an append fails.
 */
import { SdError } from '@sd/core'
import { loadMemoryMappedVectors } from '../load.js'
import { flat } from './fixtures.js'

const [path, dimArg, appendsArg, rowsArg, syncArg, backendArg] = process.argv.slice(2)
if (!path) throw new Error('usage: appender.ts <path> <dimension> <appends> <rowsPerAppend> [syncAppends]')
const dimension = Number(dimArg)
const appends = Number(appendsArg)
const rows = Number(rowsArg)
const vectors = loadMemoryMappedVectors(path, {
  mode: 'r+',
  dimension,
  syncAppends: syncArg === 'true',
  backend: backendArg === 'mmap' || backendArg === 'pread' ? backendArg : 'auto',
})
console.log('ready')
try {
  for (let k = 0; k < appends; k++) vectors.append(flat(vectors.length, rows, dimension))
  console.log(JSON.stringify({ length: vectors.length }))
} catch (err) {
  const e = err as Error & { code?: string }
  console.log(
    JSON.stringify({
      length: vectors.length,
      error: { name: e.name, code: e.code, message: e.message, sd: err instanceof SdError },
    }),
  )
} finally {
  vectors.close()
}
