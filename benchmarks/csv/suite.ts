/**
 * @sd/csv against raw csv-parse (the parser it is built on), papaparse and uDSV.
 *
 * 1. Throughput on the benchmark CSV (1M rows x 5 columns: int, float, string, bool, float): every
 *    reader streams the whole file once. Ours builds typed columns (Int32Array, Float64Array,
 *    Uint8Array, strings); raw csv-parse yields string arrays. Target: at least 0.9x the faster
 *    raw csv-parse arrays-mode reader.
 * 2. Peak RSS of `loadCsv` over 1M and 10M rows, each in a fresh process. Target: at most 1.2x.
 */
import { statSync } from 'node:fs'
import { loadCsv } from '@sd/csv'
import { csvFile, defaultDataDir } from '../lib/data.ts'
import { runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, ratioCheck, type Suite } from '../lib/suite.ts'
import { timeTasks } from '../lib/timing.ts'
import { csvParseDataEvents, csvParseForAwait, papaparse, udsv } from './peers.ts'

async function sdColumns(file: string): Promise<number> {
  let n = 0
  for await (const batch of loadCsv(file, { cacheEnabled: false })) n += batch.numRows
  return n
}

export const csvSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const dir = options.dataDir ?? defaultDataDir()
  const rows = options.quick ? 100_000 : 1_000_000
  const file = csvFile(dir, rows)
  const mb = statSync(file).size / 2 ** 20
  const label = `${rows / 1e6}M rows x 5`

  const readers: Record<string, (file: string) => Promise<number>> = {
    'sd loadCsv (typed columns)': sdColumns,
    'csv-parse for await (arrays, strings)': csvParseForAwait,
    'csv-parse data events (arrays, strings)': csvParseDataEvents,
    'csv-parse for await, cast: true': (f) => csvParseForAwait(f, { cast: true }),
    'papaparse chunks (strings)': papaparse,
    'uDSV typedArrs': udsv,
  }
  for (const [name, read] of Object.entries(readers)) {
    const n = await read(file)
    // csv-parse, papaparse and uDSV count the header row as a record; we do not
    if (n !== rows && n !== rows + 1) throw new Error(`${name} read ${n} records, expected ${rows}`)
  }
  // Rounds run every reader once, in a rotating order, so load from other processes on a shared
  // machine hits all readers alike; a reader's time is its median over the rounds.
  log(`throughput on ${file}`)
  const names = Object.keys(readers)
  const rounds = options.quick ? 3 : 9
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  for (let round = -1; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length] as string)
    const tasks: Record<string, () => Promise<number>> = {}
    // async functions: tinybench calls any other function once at add() to see if it returns a promise,
    // and that unawaited read would overlap the timed runs
    for (const name of order)
      tasks[name] = async () => (readers[name] as (f: string) => Promise<number>)(file)
    const timings = await timeTasks(tasks, { iterations: 1, warmupIterations: 0 })
    // round -1 warms up every reader
    if (round >= 0) for (const name of names) times[name]?.push(timings[name]?.p50Ms ?? Number.NaN)
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    const mid = sorted.length >> 1
    return sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  }
  const measurements: Measurement[] = names.map((name) => {
    const ms = median(times[name] ?? [])
    return {
      name,
      dataset: label,
      seconds: ms / 1000,
      recordsPerSecond: rows / (ms / 1000),
      mbPerSecond: mb / (ms / 1000),
    }
  })
  const ours = times['sd loadCsv (typed columns)'] ?? []
  const forAwait = times['csv-parse for await (arrays, strings)'] ?? []
  const dataEvents = times['csv-parse data events (arrays, strings)'] ?? []
  // per round: the faster raw csv-parse reader's time over ours, then the median of the rounds
  const throughputRatio = median(
    ours.map((t, r) => Math.min(forAwait[r] ?? Number.NaN, dataEvents[r] ?? Number.NaN) / t),
  )

  log('peak RSS in fresh processes')
  const small = options.quick ? 100_000 : 1_000_000
  const large = options.quick ? 1_000_000 : 10_000_000
  const child = new URL('./rss-child.ts', import.meta.url)
  const rss: Record<string, number> = {}
  // --quick measures streaming memory only, to stay short
  for (const cache of options.quick ? [false] : [false, true]) {
    for (const n of [small, large]) {
      const path = csvFile(dir, n)
      const report = await runChild(child, [path, String(cache)])
      if (report.records !== n) throw new Error(`RSS child read ${report.records} records, expected ${n}`)
      const key = `${n}:${cache}`
      rss[key] = report.peakRssMb
      measurements.push({
        name: `sd loadCsv, fresh process, cacheEnabled: ${cache}`,
        dataset: `${n / 1e6}M rows x 5`,
        seconds: report.seconds,
        recordsPerSecond: n / report.seconds,
        peakRssMb: report.peakRssMb,
      })
    }
  }
  const rssRatio = (cache: boolean) =>
    (rss[`${large}:${cache}`] ?? Number.NaN) / (rss[`${small}:${cache}`] ?? Number.NaN)

  return {
    suite: 'csv',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench csv${options.quick ? ' --quick' : ''}`,
    measurements,
    ratios: [
      ratioCheck(`throughput: sd / faster raw csv-parse arrays mode (${label})`, throughputRatio, {
        min: 0.9,
      }),
      ratioCheck(`peak RSS: ${large / 1e6}M / ${small / 1e6}M rows (cacheEnabled: false)`, rssRatio(false), {
        max: 1.2,
      }),
      ...(options.quick
        ? []
        : [
            ratioCheck(`peak RSS: ${large / 1e6}M / ${small / 1e6}M rows (default cache)`, rssRatio(true), {
              max: 1.2,
            }),
          ]),
    ],
    notes: [
      `Throughput: median of ${rounds} interleaved rounds, \`cacheEnabled: false\` so every pass parses the file; the ratio is the per-round median of (faster raw csv-parse time / our time). Ours builds typed columns; raw csv-parse, papaparse and uDSV only produce rows.`,
      'Peak RSS: each row is a fresh Node process (tsx loaded) reading the whole file. With the default cache, a file whose decoded batches fit in the cache (the 1M-row file) is kept for repeat passes; a larger one is streamed without caching.',
    ],
  }
}
