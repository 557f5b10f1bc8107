/**
 * @sd/json against the NDJSON readers users would write or reach for, every value consumed, in
 * one run: a split + `JSON.parse` loop and DuckDB's columnar chunks (`read_json`,
 * `fetchChunk().getColumns()`). sd runs with `workers: 0` and `'auto'`, cache off, on DuckDB-written
 * files: 3M rows x 5 columns and 200,000 rows x 50 columns. Array documents (stream-json inside)
 * are compared with stream-json's own pipeline, for context.
 *
 * Checks: workers 'auto' >= 1.6x split + JSON.parse; peak RSS of 10M / 1M rows <= 1.2x (fresh
 * processes, workers 0 and 'auto').
 */
import { statSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { DuckDBInstance } from '@duckdb/node-api'
import { closeSharedPools } from '@sd/core'
import { defaultDataDir } from '../lib/data.ts'
import { runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, type RatioCheck, ratioCheck, type Suite } from '../lib/suite.ts'
import { pairedRatio, type Timing } from '../lib/timing.ts'
import { fiveColumnText, wideText } from '../text/data.ts'
import { race } from '../text/race.ts'
import { arrayJsonFile } from './data.ts'
import { duckJson, sdJson, splitParse, streamJsonArray } from './peers.ts'

const W0 = 'sd loadJson, workers 0'
const AUTO = 'sd loadJson, workers auto'
const SPLIT = 'split + JSON.parse'
const DUCK = 'DuckDB chunks (getColumns)'

export const jsonSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const quick = options.quick === true
  const dir = options.dataDir ?? defaultDataDir()
  const rows = quick ? 300_000 : 3_000_000
  const wideRows = quick ? 20_000 : 200_000
  const arrayRows = quick ? 20_000 : 300_000
  const rounds = quick ? 2 : 5
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  const record = (timings: Record<string, Timing>, path: string, label: string, n: number) => {
    const mb = statSync(path).size / 2 ** 20
    for (const [name, t] of Object.entries(timings)) {
      measurements.push({
        name,
        dataset: label,
        seconds: t.p50Ms / 1000,
        recordsPerSecond: n / (t.p50Ms / 1000),
        mbPerSecond: mb / (t.p50Ms / 1000),
        extra: { samples: t.samples },
      })
    }
  }
  log('preparing the files (DuckDB)')
  const cases = [
    { label: `${rows / 1e6}M rows x 5, NDJSON`, path: await fiveColumnText(dir, rows, 'ndjson'), rows },
    {
      label: `${wideRows.toLocaleString('en-US')} rows x 50, NDJSON`,
      path: await wideText(dir, wideRows, 'ndjson'),
      rows: wideRows,
    },
  ]
  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  for (const c of cases) {
    log(`throughput: ${c.label} (${c.path})`)
    const timings = await race(
      {
        [W0]: () => sdJson(c.path, 0),
        [AUTO]: () => sdJson(c.path, 'auto'),
        [SPLIT]: () => splitParse(c.path),
        [DUCK]: () => duckJson(duck, c.path),
      },
      c.rows,
      rounds,
    )
    record(timings, c.path, c.label, c.rows)
    const t = (name: string) => timings[name] as Timing
    const speed = (ours: string, peer: string) => pairedRatio(t(peer), t(ours))
    ratios.push(
      ratioCheck(`workers auto vs split + JSON.parse (${c.label})`, speed(AUTO, SPLIT), { min: 1.6 }),
      ratioCheck(`workers 0 vs split + JSON.parse (${c.label})`, speed(W0, SPLIT), { min: 1 }),
      ratioCheck(`workers auto vs DuckDB chunks (${c.label})`, speed(AUTO, DUCK), { min: 1 }),
    )
  }
  duck.closeSync()
  await closeSharedPools()

  const array = arrayJsonFile(dir, arrayRows)
  log(`array document: ${array}`)
  const arr = await race(
    {
      'sd loadJson, array document': () => sdJson(array, 0),
      'stream-json parser + streamArray': () => streamJsonArray(array),
    },
    arrayRows,
    rounds,
  )
  record(arr, array, `${arrayRows.toLocaleString('en-US')} rows x 5, array document`, arrayRows)

  log('peak RSS in fresh processes')
  // a file of fewer rows would be read before the process reaches its steady-state heap, and one
  // under 8 MiB without workers: even --quick compares 1M rows with 3M
  const small = 1_000_000
  const large = quick ? 3_000_000 : 10_000_000
  const child = new URL('./rss-child.ts', import.meta.url)
  for (const workers of ['0', 'auto']) {
    const rss: number[] = []
    for (const n of [small, large]) {
      const path = await fiveColumnText(dir, n, 'ndjson')
      const report = await runChild(child, [path, workers])
      if (report.records !== n) throw new Error(`RSS child read ${report.records} records, expected ${n}`)
      rss.push(report.peakRssMb)
      measurements.push({
        name: `sd loadJson, workers ${workers}, fresh process`,
        dataset: `${n / 1e6}M rows x 5, NDJSON`,
        seconds: report.seconds,
        recordsPerSecond: n / report.seconds,
        peakRssMb: report.peakRssMb,
      })
    }
    ratios.push(
      ratioCheck(
        `peak RSS ${large / 1e6}M / ${small / 1e6}M rows, workers ${workers}`,
        (rss[1] as number) / (rss[0] as number),
        {
          max: 1.2,
        },
      ),
    )
  }

  return {
    suite: 'json',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench json${quick ? ' --quick' : ''}`,
    measurements,
    ratios,
    notes: [
      `workers 'auto' is the calling thread and ${Math.max(1, availableParallelism() - 1)} worker thread(s) here, sharing the ranges; sd runs with cacheEnabled: false. Load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')}.`,
      `Every reader hands every value to a consumer: numbers summed, string lengths summed, trues counted (sd from its columns; the others from their JS values). Ratios are of the peer's time over ours, median over ${rounds} interleaved rounds after a warm-up round.`,
      "workers 'auto' passes start cold: the worker pool closes 2 s after a pass and the other readers run in between, so each pass starts its threads and compiles the parser in them again, as a single read of a file does (back-to-back passes keep the pool).",
      'Peak RSS: each row is a fresh Node process (tsx loaded) reading the whole file.',
    ],
  }
}
