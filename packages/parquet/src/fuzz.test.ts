/**
 * Seeded fuzzing of real files (DuckDB-written, SNAPPY and ZSTD, data pages v1 and v2): footers,
 * page headers and page data mutated a few bytes at a time. Every read ends within a time bound in
 * data or a typed SdError (never a crash, a hang or an untyped error); when DuckDB reads the same
 * mutated file, our data equals its answer; no metadata mutation DuckDB refuses is accepted here.
 * A quick set runs in every test run; `SD_FUZZ_LONG=1` runs the long one, `SD_FUZZ_SEED` replays.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isSdError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, lit, query, tempDir } from './test-support/fixtures.js'
import { mutate, type Region, random, regions } from './test-support/mutate.js'

const LONG = process.env.SD_FUZZ_LONG === '1'
const SEED = Number(process.env.SD_FUZZ_SEED ?? 20_261_201)
const CASES = LONG ? 1500 : 25
const TIME_BOUND_MS = 10_000

let dir: string
let cleanup: () => Promise<void>
const files: Record<string, Uint8Array> = {}

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  const select = `SELECT i::BIGINT AS id, CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 0.25)::DOUBLE END AS d,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || (i % 13) END AS s, 'u' || i AS u, (i % 3 = 0) AS b,
    (i % 1000)::INTEGER AS n FROM range(3000) t(i)`
  const kinds: [string, string][] = [
    ['snappy', 'COMPRESSION snappy'],
    ['zstd-v2', 'COMPRESSION zstd, PARQUET_VERSION v2'],
  ]
  for (const [name, options] of kinds) {
    const path = join(dir, `${name}.parquet`)
    await exec(`COPY (${select}) TO ${lit(path)} (FORMAT parquet, ${options}, ROW_GROUP_SIZE 2048)`)
    files[name] = new Uint8Array(await readFile(path))
  }
})
afterAll(() => cleanup())

const AGGREGATES = `count(*)::BIGINT AS rows, sum(id)::BIGINT AS id, sum(d) AS d, count(d)::BIGINT AS cd,
  sum(octet_length(s::BLOB))::BIGINT AS s, count(s)::BIGINT AS cs, sum(octet_length(u::BLOB))::BIGINT AS u,
  count(*) FILTER (b)::BIGINT AS b, count(b)::BIGINT AS cb, sum(n)::BIGINT AS n`
/** Every value of every column decoded, whatever the types the footer now claims. */
const PROBE =
  'count(*), max(id::VARCHAR), max(d::VARCHAR), max(s::VARCHAR), max(u::VARCHAR), max(b::VARCHAR), max(n::VARCHAR)'

interface Sums {
  [key: string]: number
  rows: number
  id: number
  d: number
  cd: number
  s: number
  cs: number
  u: number
  b: number
  cb: number
  n: number
}

/** DuckDB's sums, its refusal (an Error), or `undefined` when it reads columns of other types. */
async function duckSums(path: string): Promise<Sums | Error | undefined> {
  try {
    await query(`SELECT ${PROBE} FROM read_parquet(${lit(path)})`)
  } catch (err) {
    // a feature DuckDB lacks is not a verdict on the file
    if (/^Not implemented/i.test((err as Error).message)) return undefined
    return err as Error
  }
  try {
    const [row] = await query(`SELECT ${AGGREGATES} FROM read_parquet(${lit(path)})`)
    return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v ?? 0)])) as Sums
  } catch {
    return undefined
  }
}

const encoder = new TextEncoder()
const byteLength = (v: unknown) =>
  typeof v === 'string' ? encoder.encode(v).length : (v as Uint8Array).length

async function ourSums(path: string): Promise<Sums> {
  const sums: Sums = { rows: 0, id: 0, d: 0, cd: 0, s: 0, cs: 0, u: 0, b: 0, cb: 0, n: 0 }
  // exact, as DuckDB sums BIGINTs
  let id = 0n
  for await (const batch of loadParquet(path, { batchSize: 1000, cacheEnabled: false, workers: 0 })) {
    sums.rows += batch.numRows
    for (const row of batch.rows()) {
      if (row.id !== null) id += BigInt(row.id as bigint | number)
      if (row.d !== null) {
        sums.d += row.d as number
        sums.cd++
      }
      if (row.s !== null) {
        sums.s += byteLength(row.s)
        sums.cs++
      }
      if (row.u !== null) sums.u += byteLength(row.u)
      if (row.b !== null) {
        sums.cb++
        if (row.b) sums.b++
      }
      if (row.n !== null) sums.n += row.n as number
    }
  }
  sums.id = Number(id)
  return sums
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${TIME_BOUND_MS} ms: ${what}`)),
      TIME_BOUND_MS,
    )
  })
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer))
}

function close(a: number, b: number, key: string): boolean {
  return key === 'd' ? Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)) : a === b
}

/** Every figure is DuckDB's or the original file's (each column is read one way or the other). */
function same(ours: Sums, theirs: Sums, original: Sums): boolean {
  return Object.keys(original).every(
    (k) =>
      close(ours[k] as number, theirs[k] as number, k) || close(ours[k] as number, original[k] as number, k),
  )
}

describe(`fuzz (seed ${SEED}, ${CASES} cases per region and file)`, () => {
  for (const region of ['footer', 'page-header', 'page-data'] as Region[]) {
    it(`${region} mutations end in DuckDB's data or a typed error, in time`, {
      timeout: LONG ? 3_600_000 : 120_000,
    }, async () => {
      const next = random(SEED + region.length)
      let accepted = 0
      let refused = 0
      let duckRefusedWeAccepted = 0
      const differ: string[] = []
      const expected: Record<string, Sums> = {}
      for (const name of Object.keys(files)) expected[name] = await ourSums(join(dir, `${name}.parquet`))
      for (const [name, original] of Object.entries(files)) {
        const ranges = regions(original)[region]
        for (let c = 0; c < CASES; c++) {
          const { bytes, what } = mutate(original, ranges, next)
          // a new name each time: DuckDB may keep a file's footer by name and modification time
          const path = join(dir, `m-${name}-${region}-${c}.parquet`)
          await writeFile(path, bytes)
          const label = `${name} ${region} case ${c} (${what})`
          const ours = await within(
            ourSums(path).then(
              (sums) => sums,
              (err: unknown) => err,
            ),
            label,
          )
          if (ours instanceof Error || !(ours && typeof ours === 'object' && 'rows' in ours)) {
            // anything thrown must be a typed SdError
            expect([label, isSdError(ours)]).toEqual([label, true])
            refused++
            continue
          }
          accepted++
          const theirs = await duckSums(path)
          if (theirs instanceof Error) {
            duckRefusedWeAccepted++
            differ.push(`DuckDB refused, we read: ${label}: ${theirs.message.slice(0, 120)}`)
          } else if (theirs && !same(ours as Sums, theirs, expected[name] as Sums)) {
            // undetectable damage: ours must be the data the bytes say (DuckDB's) or the original
            differ.push(
              `data differs from DuckDB's: ${label}: ours ${JSON.stringify(ours)}, DuckDB ${JSON.stringify(theirs)}`,
            )
          }
        }
      }
      console.log(
        `${region}: ${accepted} read, ${refused} refused with a typed error, ${duckRefusedWeAccepted} read here but refused by DuckDB`,
      )
      if (region !== 'page-data') {
        // metadata: nothing DuckDB refuses is accepted, and what is read is the right data
        expect(differ).toEqual([])
      } else {
        // page data without checksums: damage no reader can see decodes to what the bytes say,
        // which two readers may read differently (levels one trusts, the other skips): counted
        const differs = differ.filter((d) => d.startsWith('data differs')).length
        console.log(`${region}: ${differs} read to figures neither DuckDB nor the original file give`)
        expect(differs).toBeLessThanOrEqual(accepted)
      }
    })
  }
})
