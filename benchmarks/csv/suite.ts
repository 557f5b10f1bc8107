/**
 * @sd/csv against the strongest CSV readers in their fastest forms, every value consumed, in one
 * run: uDSV 0.7 (typed rows, streaming), papaparse (`dynamicTyping`), csv-parse (arrays, strings)
 * and DuckDB's columnar chunks (`fetchChunk().getColumns()`). sd runs with `workers: 0` and
 * `'auto'`, cache off, on DuckDB-written files: 3M rows x 5 columns (BIGINT, DOUBLE, INTEGER,
 * VARCHAR, BOOLEAN) and 300,000 rows x 50 columns.
 *
 * Checks: workers 0 >= 1.0x uDSV; workers 'auto' >= 1.6x uDSV and >= 2x DuckDB chunks; peak RSS of
 * 10M / 1M rows <= 1.2x (fresh processes, workers 0 and 'auto').
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
import { csvParseCsv, duckCsv, papaCsv, sdCsv, udsvCsv } from './peers.ts'

const W0 = 'sd loadCsv, workers 0'
const AUTO = 'sd loadCsv, workers auto'
const UDSV = 'uDSV typed, streaming'
const DUCK = 'DuckDB chunks (getColumns)'

export const csvSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const quick = options.quick === true
  const dir = options.dataDir ?? defaultDataDir()
  const rows = quick ? 300_000 : 3_000_000
  const wideRows = quick ? 30_000 : 300_000
  const rounds = quick ? 2 : 5
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  log('preparing the files (DuckDB)')
  const cases = [
    { label: `${rows / 1e6}M rows x 5`, path: await fiveColumnText(dir, rows, 'csv'), rows },
    {
      label: `${wideRows.toLocaleString('en-US')} rows x 50`,
      path: await wideText(dir, wideRows, 'csv'),
      rows: wideRows,
    },
  ]
  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  for (const c of cases) {
    log(`throughput: ${c.label} (${c.path})`)
    const mb = statSync(c.path).size / 2 ** 20
    const timings = await race(
      {
        [W0]: () => sdCsv(c.path, 0),
        [AUTO]: () => sdCsv(c.path, 'auto'),
        [UDSV]: () => udsvCsv(c.path),
        'papaparse dynamicTyping': () => papaCsv(c.path),
        'csv-parse arrays (strings)': () => csvParseCsv(c.path),
        [DUCK]: () => duckCsv(duck, c.path),
      },
      c.rows,
      rounds,
    )
    for (const [name, t] of Object.entries(timings)) {
      measurements.push({
        name,
        dataset: c.label,
        seconds: t.p50Ms / 1000,
        recordsPerSecond: c.rows / (t.p50Ms / 1000),
        mbPerSecond: mb / (t.p50Ms / 1000),
        extra: { samples: t.samples },
      })
    }
    const t = (name: string) => timings[name] as Timing
    const speed = (ours: string, peer: string) => pairedRatio(t(peer), t(ours))
    ratios.push(
      ratioCheck(`workers 0 vs uDSV (${c.label})`, speed(W0, UDSV), { min: 1 }),
      ratioCheck(`workers auto vs uDSV (${c.label})`, speed(AUTO, UDSV), { min: 1.6 }),
      ratioCheck(`workers auto vs DuckDB chunks (${c.label})`, speed(AUTO, DUCK), { min: 2 }),
    )
  }
  duck.closeSync()
  await closeSharedPools()

  log('peak RSS in fresh processes')
  // a file of fewer rows would be read before the process reaches its steady-state heap, and one
  // under 8 MiB without workers: even --quick compares 1M rows with 3M
  const small = 1_000_000
  const large = quick ? 3_000_000 : 10_000_000
  const child = new URL('./rss-child.ts', import.meta.url)
  for (const workers of ['0', 'auto']) {
    const rss: number[] = []
    for (const n of [small, large]) {
      const path = await fiveColumnText(dir, n, 'csv')
      const report = await runChild(child, [path, workers])
      if (report.records !== n) throw new Error(`RSS child read ${report.records} records, expected ${n}`)
      rss.push(report.peakRssMb)
      measurements.push({
        name: `sd loadCsv, workers ${workers}, fresh process`,
        dataset: `${n / 1e6}M rows x 5`,
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
    suite: 'csv',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench csv${quick ? ' --quick' : ''}`,
    measurements,
    ratios,
    notes: [
      `workers 'auto' is the calling thread and ${Math.max(1, availableParallelism() - 1)} worker thread(s) here, sharing the ranges; sd runs with cacheEnabled: false. Load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')}.`,
      `Every reader hands every value to a consumer: numbers summed, string lengths summed, trues counted (sd from its columns: typed arrays, string offsets, bits; the peers from their JS values). Ratios are of the peer's time over ours, median over ${rounds} interleaved rounds after a warm-up round.`,
      "workers 'auto' passes start cold: the worker pool closes 2 s after a pass and the other readers run in between, so each pass starts its threads and compiles the parser in them again, as a single read of a file does (back-to-back passes keep the pool).",
      'Peak RSS: each row is a fresh Node process (tsx loaded) reading the whole file.',
    ],
  }
}
