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

/** Milliseconds of each reader in each round, and the median per reader. */
interface Race {
  rounds: Record<string, number[]>
  median: Record<string, number>
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * Times each reader over `file`: a warm-up, then `rounds` rounds in which every reader runs once
 * (through tinybench), in an order that rotates, so a burst of load from other processes on a
 * shared machine hits readers of the same round alike. Checks every reader read `rows` records.
 */
async function race(
  readers: Record<string, (file: string) => Promise<number>>,
  file: string,
  rows: number,
  rounds: number,
  warmupIterations: number,
): Promise<Race> {
  const names = Object.keys(readers)
  const task = (name: string) => async () => {
    const n = await (readers[name] as (file: string) => Promise<number>)(file)
    if (n !== rows) throw new Error(`${name} read ${n} records, expected ${rows}`)
  }
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    const tasks: Record<string, () => Promise<void>> = {}
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length] as string
      tasks[name] = task(name)
    }
    const timings = await timeTasks(tasks, {
      iterations: 1,
      warmupIterations: round === 0 ? warmupIterations : 0,
      rounds: 1,
    })
    for (const name of names) times[name]?.push(timings[name]?.p50Ms ?? Number.NaN)
  }
  return { rounds: times, median: Object.fromEntries(names.map((name) => [name, median(times[name] ?? [])])) }
}

/** The median over rounds of `peer time / our time`, each ratio from one round. */
function pairedRatio(race: Race, ours: string, peers: readonly string[]): number {
  const mine = race.rounds[ours] ?? []
  return median(mine.map((t, r) => Math.min(...peers.map((p) => race.rounds[p]?.[r] ?? Number.NaN)) / t))
}

export const jsonSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const dir = options.dataDir ?? defaultDataDir()
  // --quick: smaller files, but large enough that a pass is not dominated by its first batch
  const rows = options.quick ? 200_000 : 1_000_000
  const arrayRows = options.quick ? 20_000 : 1_000_000
  const rounds = options.quick ? 3 : 11
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
  record(nd.median, ndjson, `${label}, NDJSON`, rows)

  const array = arrayJsonFile(dir, arrayRows)
  log(`array document throughput on ${array}`)
  const arr = await race(
    { [OURS_ARRAY]: sdLoadJson, [STREAM_JSON_ARRAY]: streamJsonArray },
    array,
    arrayRows,
    rounds,
    warmup,
  )
  record(arr.median, array, `${arrayRows / 1e6}M rows x 5, array document`, arrayRows)

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
  const bare = options.quick ? [BARE_64K] : [BARE_64K, BARE_1M]
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
        pairedRatio(nd, OURS, [STREAM_JSON]),
        {
          min: 2,
        },
      ),
      ratioCheck(
        `NDJSON throughput: sd / faster bare split + JSON.parse (${label})`,
        pairedRatio(nd, OURS, bare),
        {
          min: 0.9,
        },
      ),
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
      `Throughput: ${rounds} rounds after ${warmup} warm-up run(s) of each reader; in each round every reader runs once, in a rotating order. Times are medians over rounds; a ratio is the median over rounds of (peer time / our time) within a round. \`cacheEnabled: false\` so every pass parses the file. Ours yields typed columnar batches of 10,000 rows; the peers gather parsed row objects into arrays of 10,000.`,
      `Array document: sd / stream-json streams = ${pairedRatio(arr, OURS_ARRAY, [STREAM_JSON_ARRAY]).toFixed(2)} (no target; both tokenize with stream-json).`,
      'Peak RSS: each row is a fresh Node process (tsx loaded) reading the whole file. With the default cache, a file that fits in the 100 MiB cache (the 1M-row file) is kept for repeat passes; a larger one is streamed without caching.',
    ],
  }
}
