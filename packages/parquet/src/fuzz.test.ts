/**
 * Seeded fuzzing of real files (DuckDB-written, SNAPPY and ZSTD, data pages v1 and v2): footers,
 * page headers and page data mutated a few bytes at a time. Every read ends within a time bound in
 * data or a typed SdError (never a crash, a hang or an untyped error); when DuckDB reads the same
 * mutated file, our data equals its answer; no metadata mutation DuckDB refuses is accepted here;
 * page data damage stays in the column it hit (see `pageDataProblems` for what holds there).
 * A quick set runs in every test run; `SD_SLOW=1` or `SD_FUZZ_LONG=1` runs the long one, `SD_FUZZ_SEED` replays.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isSdError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, lit, query, tempDir } from './test-support/fixtures.js'
import { dataPages, mutate, type Region, random, regions } from './test-support/mutate.js'

const LONG = process.env.SD_SLOW === '1' || process.env.SD_FUZZ_LONG === '1'
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

/** The figures of each column (see {@link AGGREGATES}). */
const FIGURES: Record<string, string[]> = {
  id: ['id'],
  d: ['d', 'cd'],
  s: ['s', 'cs'],
  u: ['u'],
  b: ['b', 'cb'],
  n: ['n'],
}
/** The figures counting a column's non-null values. */
const COUNTS: Record<string, string> = { d: 'cd', s: 'cs', b: 'cb' }

/**
 * What must hold of a file whose page data (not its headers, not its footer) was damaged and that
 * we read. Parquet pages carry no checksum (DuckDB writes none, and none of SNAPPY's or DuckDB's
 * ZSTD frames do), so damage that still decodes is undetectable by any reader: it reads as other
 * values. What is true whatever the bytes say:
 * - the row count is the footer's, and a column none of whose pages was hit reads as it was
 *   written (damage stays in the column it hit);
 * - a column whose chunk statistics say it has no null has none (its definition levels are not
 *   read: that is what lets a reader skip them);
 * - a file DuckDB refuses but we read had a column with no nulls hit (the one part of a page we
 *   do not read is such a column's definition levels);
 * - a hit column reads as DuckDB reads it, when DuckDB reads the file. The one exception is a hit
 *   column with no nulls: we skip its definition levels and DuckDB does not, so damage to those
 *   levels (or to a level length that moves where the values start) reads differently in each
 *   reader, neither of them right. Those cases are returned apart, to be counted.
 */
function pageDataProblems(
  ours: Sums,
  theirs: Sums | undefined,
  original: Sums,
  hit: Map<string, boolean>,
): { problems: string[]; unverifiable: boolean } {
  const problems: string[] = []
  let unverifiable = false
  if (ours.rows !== original.rows) problems.push(`${ours.rows} rows where the footer says ${original.rows}`)
  for (const [column, keys] of Object.entries(FIGURES)) {
    const nullFree = hit.get(column)
    const count = COUNTS[column]
    if (nullFree && count && ours[count] !== original[count])
      problems.push(`${column} has nulls where its statistics say none`)
    for (const key of keys) {
      const got = ours[key] as number
      if (nullFree === undefined) {
        if (!close(got, original[key] as number, key))
          problems.push(`${key} reads ${got}, not ${original[key]}, though no page of ${column} was hit`)
      } else if (theirs && !close(got, theirs[key] as number, key)) {
        if (nullFree && !close(got, original[key] as number, key)) unverifiable = true
        else if (!nullFree) problems.push(`${key} reads ${got} where DuckDB reads ${theirs[key]}`)
      }
    }
  }
  return { problems, unverifiable }
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
      let unverifiable = 0
      const differ: string[] = []
      const expected: Record<string, Sums> = {}
      for (const name of Object.keys(files)) expected[name] = await ourSums(join(dir, `${name}.parquet`))
      for (const [name, original] of Object.entries(files)) {
        const ranges = regions(original)[region]
        const pages = dataPages(original)
        for (let c = 0; c < CASES; c++) {
          const { bytes, what, at } = mutate(original, ranges, next)
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
          if (region === 'page-data') {
            // the columns hit, and whether each holds no null
            const hit = new Map<string, boolean>()
            for (const p of at) {
              const page = pages.find((g) => p >= g.start && p < g.end)
              if (page) hit.set(page.column, page.nullFree)
            }
            if (theirs instanceof Error) {
              duckRefusedWeAccepted++
              // DuckDB reads every level; the one part of a page we do not read is the levels of
              // a column with no nulls: a refusal we do not share must come from there
              if (![...hit.values()].some((nullFree) => nullFree))
                differ.push(
                  `DuckDB refused, we read, though no null-free column was hit: ${label}: ${theirs.message.slice(0, 120)}`,
                )
            }
            const verdict = pageDataProblems(
              ours as Sums,
              theirs instanceof Error ? undefined : theirs,
              expected[name] as Sums,
              hit,
            )
            if (verdict.unverifiable) unverifiable++
            for (const problem of verdict.problems) differ.push(`${label}: ${problem}`)
          } else if (theirs instanceof Error) {
            duckRefusedWeAccepted++
            differ.push(`DuckDB refused, we read: ${label}: ${theirs.message.slice(0, 120)}`)
          } else if (theirs && !same(ours as Sums, theirs, expected[name] as Sums)) {
            // metadata damage: ours must be the data the bytes say (DuckDB's) or the original
            differ.push(
              `data differs from DuckDB's: ${label}: ours ${JSON.stringify(ours)}, DuckDB ${JSON.stringify(theirs)}`,
            )
          }
        }
      }
      console.log(
        `${region}: ${accepted} read, ${refused} refused with a typed error, ${duckRefusedWeAccepted} read here but refused by DuckDB` +
          (region === 'page-data'
            ? `, ${unverifiable} read differently from DuckDB in a null-free column's skipped levels`
            : ''),
      )
      // metadata: nothing DuckDB refuses is accepted, and what is read is the right data;
      // page data: see pageDataProblems
      expect(differ).toEqual([])
    })
  }
})
