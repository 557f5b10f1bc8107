import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { CORE_ERROR_CODES, SdError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MMAP_VECTORS_ERROR_CODES } from './errors.js'
import { loadMemoryMappedVectors } from './load.js'
import { isMmapAvailable } from './native.js'
import { flat, hasNumpy, python, tempDir } from './test-support/fixtures.js'
import { mutate, Random } from './test-support/npy-mutate.js'
import { baseNpyFiles } from './test-support/numpy-base.js'

// Seeded mutations of valid .npy files (NumPy writes them): every open, read-only and for
// writing, ends in correct data or a typed SdError within a time bound: never a crash, a hang, an
// untyped error, data that differs from NumPy's reading of the same file, or a write that loses
// bytes. SD_SLOW=1 or SD_FUZZ_LONG=1 runs the long set; SD_FUZZ_SEED=<n> replays another seed.
const LONG = process.env.SD_SLOW === '1' || process.env.SD_FUZZ_LONG === '1'
const CASES = LONG ? 20_000 : 400
const SEED = Number(process.env.SD_FUZZ_SEED ?? 20_261_201)
/** Milliseconds one open may take (generous: the machine may be busy). */
const BOUND_MS = 2000
const CODES = new Set<string>([...MMAP_VECTORS_ERROR_CODES, ...CORE_ERROR_CODES])

/** Our reading of an accepted file, to compare with NumPy's. */
interface Accepted {
  path: string
  shape: [number, number]
  bytes: Buffer
}

function typedError(err: unknown): string | undefined {
  if (!(err instanceof SdError)) return `an untyped ${(err as Error)?.name}: ${(err as Error)?.message}`
  if (!CODES.has(err.code) && !err.code.startsWith('IO_')) return `an undeclared code ${err.code}`
  return undefined
}

describe(`.npy header fuzzing (${CASES} cases, seed ${SEED})`, () => {
  const tmp = tempDir()
  let bases: Buffer[] = []
  beforeAll(() => {
    const base = baseNpyFiles(tmp.dir)
    bases = [base.v1, base.v2, base.v3]
    mkdirSync(tmp.path('accepted'))
  })
  afterAll(() => tmp.remove())

  it(
    'every mutated file opens with correct data or fails with a typed error, and writes never lose bytes',
    () => {
      // trailing bytes past the count warn on every 'r+' open: expected here, kept off the output
      const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
      const random = new Random(SEED)
      const backends = isMmapAvailable() ? (['pread', 'mmap'] as const) : (['pread'] as const)
      const failures: string[] = []
      const accepted: Accepted[] = []
      const outcomes = new Map<string, number>()
      const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
      let slowest = 0
      const path = tmp.path('case.npy')
      for (let k = 0; k < CASES && failures.length < 10; k++) {
        const { bytes, steps } = mutate(bases, random)
        const backend = random.pick(backends)
        const where = `case ${k} (seed ${SEED}, ${backend}: ${steps.join(' + ')})`
        writeFileSync(path, bytes)

        // read-only: the data must be the bytes the header points at
        let started = performance.now()
        try {
          const v = loadMemoryMappedVectors(path, { backend })
          try {
            const size = v.length * v.dimension * 4
            const expected = bytes.subarray(v.dataOffset, v.dataOffset + size)
            const got = v.slice()
            if (
              expected.length !== size ||
              !Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(expected)
            ) {
              failures.push(`${where}: rows differ from the file's bytes`)
            }
            const copy = tmp.path(`accepted/${accepted.length}.npy`)
            copyFileSync(path, copy)
            accepted.push({ path: copy, shape: [v.length, v.dimension], bytes: Buffer.from(expected) })
            count('accepted')
          } finally {
            v.close()
          }
        } catch (err) {
          const problem = typedError(err)
          if (problem) failures.push(`${where}: ${problem}`)
          count((err as SdError).code ?? 'untyped')
        }
        slowest = Math.max(slowest, performance.now() - started)

        // for writing: a refusal changes nothing; an append keeps every byte it does not own
        started = performance.now()
        try {
          const w = loadMemoryMappedVectors(path, { mode: 'r+', backend })
          const { dataOffset, length, dimension } = w
          // a header may now claim millions of components per vector: append only modest rows
          const row = dimension <= 4096 ? flat(0, 1, dimension) : undefined
          try {
            if (row) w.append(row)
          } finally {
            w.close()
          }
          const after = readFileSync(path)
          if (!row) {
            if (!after.equals(bytes)) failures.push(`${where}: opening with 'r+' changed the file`)
            continue
          }
          const committed = dataOffset + length * dimension * 4
          if (after.length < bytes.length) failures.push(`${where}: 'r+' shrank the file`)
          if (!after.subarray(dataOffset, committed).equals(bytes.subarray(dataOffset, committed))) {
            failures.push(`${where}: 'r+' changed committed rows`)
          }
          if (!after.subarray(committed + dimension * 4).equals(bytes.subarray(committed + dimension * 4))) {
            failures.push(`${where}: 'r+' changed bytes past its append`)
          }
          const again = loadMemoryMappedVectors(path, { backend })
          if (again.length !== length + 1 || !again.get(-1).every((x, j) => x === row[j])) {
            failures.push(`${where}: the appended row did not read back`)
          }
          again.close()
        } catch (err) {
          const problem = typedError(err)
          if (problem) failures.push(`${where}: 'r+': ${problem}`)
          if (!readFileSync(path).equals(bytes))
            failures.push(`${where}: a refused 'r+' open changed the file`)
        }
        slowest = Math.max(slowest, performance.now() - started)
      }
      warnings.mockRestore()
      expect(failures).toEqual([])
      expect(slowest, 'slowest open, ms').toBeLessThan(BOUND_MS)
      // the mutations reach both sides: files that still open, and many kinds of refusal
      expect(outcomes.get('accepted') ?? 0).toBeGreaterThan(CASES / 50)
      expect(outcomes.get('NPY_BAD_HEADER') ?? 0).toBeGreaterThan(CASES / 10)
      expect(outcomes.size).toBeGreaterThan(6)

      // NumPy reads every file we accepted with the same shape and the same bytes
      if (!hasNumpy()) return
      const numpy = python(
        `import hashlib
out = []
for i in range(int(sys.argv[2])):
    path = f'{sys.argv[1]}/{i}.npy'
    try:
        a = np.load(path, allow_pickle=False, max_header_size=2**20)
        out.append([list(a.shape), a.dtype.str, bool(a.flags['C_CONTIGUOUS']), hashlib.sha256(a.tobytes()).hexdigest()])
    except Exception as e:
        out.append(type(e).__name__ + ': ' + str(e)[:200])
print(json.dumps(out))`,
        tmp.path('accepted'),
        String(accepted.length),
      ) as unknown[]
      const disagreements: string[] = []
      for (const [i, ours] of accepted.entries()) {
        const theirs = numpy[i]
        const hash = createHash('sha256').update(ours.bytes).digest('hex')
        const same = JSON.stringify(theirs) === JSON.stringify([ours.shape, '<f4', true, hash])
        if (!same)
          disagreements.push(
            `${ours.path}: ours ${JSON.stringify(ours.shape)}, NumPy ${JSON.stringify(theirs)}`,
          )
      }
      expect(disagreements.slice(0, 5)).toEqual([])
    },
    LONG ? 3_600_000 : 120_000,
  )
})
