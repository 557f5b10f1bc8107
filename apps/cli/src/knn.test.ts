import { writeFileSync } from 'node:fs'
import { createMemoryMappedVectors } from '@sd/mmap-vectors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { duckdb, tempDir } from './test-support/fixtures.js'
import { sd, sdJson } from './test-support/run.js'

const tmp = tempDir()
afterAll(() => tmp.remove())
const N = 3000
const D = 24
const npy = tmp.path('vectors.npy')
const raw = tmp.path('vectors.f32')
const meta = tmp.path('meta.csv')
const data = new Float32Array(N * D)
/** Three queries near rows 7, 1234 and 2999. */
const queries: number[][] = []

beforeAll(async () => {
  // deterministic points with no ties: a simple congruential sequence
  let x = 12345
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    data[i] = x / 2147483648 - 0.5
  }
  for (const row of [7, 1234, 2999])
    queries.push(Array.from(data.subarray(row * D, row * D + D), (v) => v + 0.01))
  createMemoryMappedVectors(npy, { dimension: D, initialVectors: data }).close()
  writeFileSync(raw, data)
  await duckdb(
    `COPY (SELECT i AS id, CASE WHEN i % 3 = 0 THEN 'en' ELSE 'de' END AS lang FROM range(0, ${N}) r(i)) TO '${meta}' (HEADER)`,
  )
})

/** The k nearest rows by euclidean distance, among rows `allowed` lets through: the brute-force answer. */
function bruteForce(query: number[], k: number, allowed: (row: number) => boolean = () => true): number[] {
  const scored: [number, number][] = []
  for (let r = 0; r < N; r++) {
    if (!allowed(r)) continue
    let s = 0
    for (let c = 0; c < D; c++) s += ((data[r * D + c] as number) - (query[c] as number)) ** 2
    scored.push([s, r])
  }
  return scored
    .sort((a, b) => a[0] - b[0])
    .slice(0, k)
    .map(([, r]) => r)
}

type Results = {
  query: number
  results: { index: number; score: number; metadata: Record<string, unknown> }[]
}[]

describe('sd knn', () => {
  it('builds an exact index and finds the brute-force answer, filtered too', async () => {
    const index = tmp.path('exact.car')
    const built = await sdJson<{ kind: string; rows: number; dimension: number; root: string }>([
      'knn',
      'build',
      npy,
      '--out',
      index,
      '--metric',
      'euclidean',
      '--metadata',
      meta,
    ])
    expect(built).toMatchObject({ kind: 'knn', rows: N, dimension: D, root: expect.stringMatching(/^bafy/) })
    const [found, filtered] = await Promise.all([
      sdJson<Results>(['knn', 'search', index, '--query', JSON.stringify(queries), '-k', '5']),
      sdJson<Results>([
        'knn',
        'search',
        index,
        '--query',
        JSON.stringify(queries[1]),
        '-k',
        '4',
        '--filter',
        '{"lang":"en"}',
      ]),
    ])
    expect(found.map((q) => q.results.map((r) => r.index))).toEqual(queries.map((q) => bruteForce(q, 5)))
    expect(found[0]?.results[0]?.metadata).toEqual({ id: 7, lang: 'de' })
    expect(filtered[0]?.results.map((r) => r.index)).toEqual(
      bruteForce(queries[1] as number[], 4, (r) => r % 3 === 0),
    )
    expect(filtered[0]?.results.every((r) => r.metadata.lang === 'en')).toBe(true)
  })

  it('builds an IVF index from a raw file; probing every list gives the brute-force answer', async () => {
    const index = tmp.path('ivf.car')
    const built = await sdJson<{ kind: string; nlist: number }>([
      'knn',
      'build',
      raw,
      '--dimension',
      String(D),
      '--ivf',
      '16',
      '--metric',
      'euclidean',
      '--out',
      index,
    ])
    expect(built).toMatchObject({ kind: 'ivf', nlist: 16 })
    const queryFile = tmp.path('queries.json')
    writeFileSync(queryFile, JSON.stringify(queries))
    const found = await sdJson<Results>([
      'knn',
      'search',
      index,
      '--query',
      queryFile,
      '-k',
      '3',
      '--nprobe',
      '16',
    ])
    expect(found.map((q) => q.results.map((r) => r.index))).toEqual(queries.map((q) => bruteForce(q, 3)))
    // the table, and (progress from the first moment) the index's loading on stderr
    const table = await sd(['knn', 'search', index, '--query', JSON.stringify(queries[0]), '-k', '2'], {
      env: { SD_PROGRESS_DELAY_MS: '0' },
    })
    expect(table.status, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/│ query │ rank │ index │ +score │ metadata +│/)
    expect(table.stdout).toMatch(/│ +0 │ +1 │ +7 │ 0\.\d+ │ \{"id":"7"\} +│/)
    expect(table.stderr).toMatch(
      /^loading \S+ivf\.car: [\d.]+ kB of [\d.]+ kB \(100%\), .*done in [\d.]+ s$/m,
    )
  })

  it('converts a vector file into Parquet with a vector column DuckDB reads', async () => {
    const out = tmp.path('vectors.parquet')
    expect((await sdJson<{ rows: number }>(['convert', raw, out, '--dimension', String(D)])).rows).toBe(N)
    const [[count, first]] = (await duckdb(
      `SELECT count(*)::INTEGER, (SELECT vector FROM '${out}' WHERE "index" = 1234) FROM '${out}'`,
    )) as [[number, number[]]]
    expect(count).toBe(N)
    expect(first).toEqual(Array.from(data.subarray(1234 * D, 1235 * D)))
  })

  it('shows the progress of training and saving on stderr, and none with --quiet', async () => {
    // loading shows in the IVF test's table search; saving is one code path for both kinds
    const env = { SD_PROGRESS_DELAY_MS: '0' }
    const ivf = tmp.path('progress-ivf.car')
    const trained = await sd(['knn', 'build', npy, '--out', ivf, '--ivf', '16'], { env })
    expect(trained.status, trained.stderr).toBe(0)
    expect(trained.stderr).toMatch(
      /^training 16 lists on 3,000 vectors: 30,000 of 30,000 rows \(100%\), [\d,]+ rows\/s, done in [\d.]+ s$/m,
    )
    expect(trained.stderr).toMatch(
      /^saving \S+progress-ivf\.car: [\d.]+ kB of [\d.]+ kB \(100%\), [\d.]+ \S?B\/s, done in [\d.]+ s$/m,
    )
    const query = JSON.stringify(queries[0])
    const [quiet, quietBuild] = await Promise.all([
      sd(['knn', 'search', ivf, '--query', query, '-k', '2', '-q'], { env }),
      sd(['knn', 'build', npy, '--out', tmp.path('quiet.car'), '--quiet'], { env }),
    ])
    // quiet: the results as they are, nothing on stderr
    expect([quiet.status, quiet.stderr]).toEqual([0, ''])
    expect(quiet.stdout).toMatch(/│ +0 │ +1 │ +7 │ [\d.]+ │ \{"id":"7"\} +│/)
    expect([quietBuild.status, quietBuild.stdout, quietBuild.stderr]).toEqual([0, '', ''])
  })

  it('gives exit status 2 for a filter outside the filter language and a raw file without --dimension', async () => {
    const index = tmp.path('exact.car')
    const [operator, json] = await Promise.all([
      sd(['knn', 'search', index, '--query', '[1]', '--filter', '{"lang":{"$foo":1}}']),
      sd(['knn', 'search', index, '--query', '[1]', '--filter', '{"lang":']),
    ])
    expect(operator.status).toBe(2)
    expect(operator.stderr).toBe(
      `sd: USAGE: option '--filter <json>' argument '{"lang":{"$foo":1}}' is invalid. INVALID_FILTER: Invalid filter at lang.$foo: unknown operator $foo (expected $eq $ne $gt $gte $lt $lte $in $nin $not) (see sd knn search --help)\n`,
    )
    expect(json.status).toBe(2)
    const [build, inspect, head] = await Promise.all([
      sd(['knn', 'build', raw, '--out', tmp.path('nodim.car')]),
      sd(['inspect', raw]),
      sd(['head', raw]),
    ])
    for (const run of [build, inspect, head]) {
      expect(run.status).toBe(2)
      expect(run.stderr).toBe(
        `sd: USAGE: ${raw} is raw float32 vectors with no header: give the components per vector with --dimension <n>\n`,
      )
    }
  })

  it('refuses a query of the wrong dimension in one line', async () => {
    const run = await sd(['knn', 'search', tmp.path('exact.car'), '--query', '[1, 2, 3]'])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/^sd: KNN_DIMENSION_MISMATCH: [^\n]+\n$/)
  })
})
