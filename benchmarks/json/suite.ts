/**
 * @sd/json against stream-json's JSONL parser, a bare split + `JSON.parse` loop, and (for array
 * documents) stream-json's own Node-stream pipeline.
 *
 * 1. NDJSON throughput on the benchmark file (1M rows x 5 columns: int, float, string, bool,
 *    float): every reader streams the whole file once. Ours builds typed columns (Int32Array,
 *    Float64Array, Uint8Array, strings); the peers gather the parsed row objects into arrays of
 *    10,000. Targets: at least 2x stream-json's JSONL parser, at least 0.9x the faster bare loop.
 * 2. Array document throughput: the same records as `[{...},\n{...}]`; ours (stream-json's parser,
 *    pick and streamArray called directly) against stream-json's Node-stream pipeline. Reported.
 * 3. Peak RSS of `loadJson` over 1M and 10M rows, each in a fresh process. Target: at most 1.2x.
 */
import { statSync } from 'node:fs'
import { loadJson } from '@sd/json'
import { defaultDataDir, ndjsonFile } from '../lib/data.ts'
import { runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, ratioCheck, type Suite } from '../lib/suite.ts'
import { timeTasks } from '../lib/timing.ts'
import { arrayJsonFile } from './data.ts'
import { bareSplitParse, readlineParse, streamJsonArray, streamJsonJsonl } from './peers.ts'

async function sdLoadJson(file: string): Promise<number> {
  let n = 0
  for await (const batch of loadJson(file, { cacheEnabled: false })) n += batch.numRows
  return n
}

const OURS = 'sd loadJson (typed columns)'
const BARE_64K = 'bare split + JSON.parse, 64 KiB reads'
const BARE_1M = 'bare split + JSON.parse, 1 MiB reads'
const STREAM_JSON = 'stream-json JSONL parser (stream)'
const OURS_ARRAY = 'sd loadJson, array document (typed columns)'
const STREAM_JSON_ARRAY = 'stream-json parser + streamArray (streams)'

/** Times each reader over `file` in interleaved rounds; checks every reader read `rows` records. */
async function race(
  readers: Record<string, (file: string) => Promise<number>>,
  file: string,
  rows: number,
  rounds: number,
  warmupIterations: number,
): Promise<Record<string, number>> {
  const tasks: Record<string, () => Promise<void>> = {}
  for (const [name, read] of Object.entries(readers)) {
    tasks[name] = async () => {
      const n = await read(file)
      if (n !== rows) throw new Error(`${name} read ${n} records, expected ${rows}`)
    }
  }
  const timings = await timeTasks(tasks, { iterations: 1, warmupIterations, rounds })
  return Object.fromEntries(Object.keys(readers).map((name) => [name, timings[name]?.p50Ms ?? Number.NaN]))
}

export const jsonSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const dir = options.dataDir ?? defaultDataDir()
  // --quick: smaller files, but large enough that a pass is not dominated by its first batch
  const rows = options.quick ? 200_000 : 1_000_000
  const arrayRows = options.quick ? 20_000 : 1_000_000
  const rounds = options.quick ? 3 : 7
  // a short file is read in a fraction of a second: more warm-up, so the JIT is done before timing
  const warmup = options.quick ? 2 : 1
  const label = `${rows / 1e6}M rows x 5`
  const measurements: Measurement[] = []
  const record = (times: Record<string, number>, file: string, dataset: string, rows: number) => {
    const mb = statSync(file).size / 2 ** 20
    for (const [name, ms] of Object.entries(times)) {
      measurements.push({
        name,
        dataset,
        seconds: ms / 1000,
        recordsPerSecond: rows / (ms / 1000),
        mbPerSecond: mb / (ms / 1000),
      })
    }
  }

  const ndjson = ndjsonFile(dir, rows)
  log(`NDJSON throughput on ${ndjson}`)
  const ndReaders: Record<string, (file: string) => Promise<number>> = {
    [OURS]: sdLoadJson,
    [BARE_64K]: (f) => bareSplitParse(f, 64 * 1024),
    [STREAM_JSON]: streamJsonJsonl,
  }
  if (!options.quick) {
    // context, left out of --quick to keep it short
    ndReaders[BARE_1M] = (f) => bareSplitParse(f, 1 << 20)
    ndReaders['readline + JSON.parse'] = readlineParse
  }
  const nd = await race(ndReaders, ndjson, rows, rounds, warmup)
  record(nd, ndjson, `${label}, NDJSON`, rows)

  const array = arrayJsonFile(dir, arrayRows)
  log(`array document throughput on ${array}`)
  const arr = await race(
    { [OURS_ARRAY]: sdLoadJson, [STREAM_JSON_ARRAY]: streamJsonArray },
    array,
    arrayRows,
    rounds,
    warmup,
  )
  record(arr, array, `${arrayRows / 1e6}M rows x 5, array document`, arrayRows)

  log('peak RSS in fresh processes')
  // a process reading a small file has not reached its steady-state heap yet (0.5M rows: 102 MiB,
  // 1M: 123 MiB, 10M: 119 MiB): even --quick compares files of 1M and 2M rows
  const small = 1_000_000
  const large = options.quick ? 2_000_000 : 10_000_000
  const child = new URL('./rss-child.ts', import.meta.url)
  const rss: Record<string, number> = {}
  const cases: { kind: 'ndjson' | 'array'; cache: boolean }[] = options.quick
    ? [{ kind: 'ndjson', cache: false }]
    : [
        { kind: 'ndjson', cache: false },
        { kind: 'ndjson', cache: true },
        { kind: 'array', cache: false },
      ]
  for (const { kind, cache } of cases) {
    for (const n of [small, large]) {
      const path = kind === 'ndjson' ? ndjsonFile(dir, n) : arrayJsonFile(dir, n)
      const report = await runChild(child, [path, String(cache)])
      if (report.records !== n) throw new Error(`RSS child read ${report.records} records, expected ${n}`)
      rss[`${kind}:${n}:${cache}`] = report.peakRssMb
      measurements.push({
        name: `sd loadJson ${kind === 'ndjson' ? 'NDJSON' : 'array document'}, fresh process, cacheEnabled: ${cache}`,
        dataset: `${n / 1e6}M rows x 5`,
        seconds: report.seconds,
        recordsPerSecond: n / report.seconds,
        peakRssMb: report.peakRssMb,
      })
    }
  }
  const rssRatio = (kind: string, cache: boolean) =>
    (rss[`${kind}:${large}:${cache}`] ?? Number.NaN) / (rss[`${kind}:${small}:${cache}`] ?? Number.NaN)
  const ours = nd[OURS] ?? Number.NaN
  const bare = Math.min(nd[BARE_64K] ?? Number.NaN, nd[BARE_1M] ?? Number.POSITIVE_INFINITY)
  const rssLabel = (what: string, cache: string) =>
    `peak RSS ${what}: ${large / 1e6}M / ${small / 1e6}M rows (${cache})`

  return {
    suite: 'json',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench json${options.quick ? ' --quick' : ''}`,
    measurements,
    ratios: [
      ratioCheck(
        `NDJSON throughput: sd / stream-json JSONL parser (${label})`,
        (nd[STREAM_JSON] ?? Number.NaN) / ours,
        {
          min: 2,
        },
      ),
      ratioCheck(`NDJSON throughput: sd / faster bare split + JSON.parse (${label})`, bare / ours, {
        min: 0.9,
      }),
      ratioCheck(rssLabel('NDJSON', 'cacheEnabled: false'), rssRatio('ndjson', false), { max: 1.2 }),
      ...(options.quick
        ? []
        : [
            ratioCheck(rssLabel('NDJSON', 'default cache'), rssRatio('ndjson', true), { max: 1.2 }),
            ratioCheck(rssLabel('array document', 'cacheEnabled: false'), rssRatio('array', false), {
              max: 1.2,
            }),
          ]),
    ],
    notes: [
      `Throughput: median of ${rounds} interleaved rounds, each after ${warmup} warm-up run(s), \`cacheEnabled: false\` so every pass parses the file. Ours yields typed columnar batches of 10,000 rows; the peers gather parsed row objects into arrays of 10,000.`,
      `Array document: sd / stream-json streams = ${((arr[STREAM_JSON_ARRAY] ?? Number.NaN) / (arr[OURS_ARRAY] ?? Number.NaN)).toFixed(2)} (no target; both tokenize with stream-json).`,
      'Peak RSS: each row is a fresh Node process (tsx loaded) reading the whole file. With the default cache, a file whose decoded batches fit in the 100 MiB cache (the 1M-row file) is kept for repeat passes; a larger one is streamed without caching.',
    ],
  }
}
