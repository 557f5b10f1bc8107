/**
 * The `sd` command line's conversions at two sizes, each in a fresh process, against DuckDB doing
 * the same conversion with one `COPY` statement (native, multi-threaded: the strongest peer for
 * converting files, and a measure of how far a streaming TypeScript pipeline is from it).
 *
 * 1. CSV -> Parquet and Parquet -> NDJSON: sd vs DuckDB, seconds and peak RSS.
 * 2. Parquet -> CAR (batch layout) and back to Parquet: sd alone (no peer writes sd's layout).
 * Target: sd's peak RSS stays flat with the data (larger / smaller <= 1.2) for every conversion
 * (the Parquet inputs have row groups of 100k rows at both sizes, so only the length differs).
 * Rounds alternate the order of the tools; times and RSS are medians over rounds.
 */
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { csvFile, defaultDataDir, parquetFile } from '../lib/data.ts'
import { type ChildReport, runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, type RatioCheck, ratioCheck, type Suite } from '../lib/suite.ts'
import { median } from '../lib/timing.ts'

const CHILD = new URL('./rss-child.ts', import.meta.url)
/** Rows per Parquet row group at both sizes: the larger file has more row groups, not larger ones. */
const ROW_GROUP = 100_000

interface Job {
  name: string
  /** Options of sd's convert (the flags of `sd convert`). */
  sd?: Record<string, unknown>
  input: (rows: number) => Promise<string> | string
  output: string
  peer: boolean
}

export const cliSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const dir = join(options.dataDir ?? defaultDataDir(), 'cli')
  const quick = options.quick === true
  const sizes = quick ? [100_000, 400_000] : [1_000_000, 4_000_000]
  const rounds = quick ? 1 : 3
  const label = (rows: number) => `${rows / 1_000_000}M rows x 5`
  const carOf = (rows: number) => join(dir, `sd-batches-${rows}.car`)
  const jobs: Job[] = [
    { name: 'CSV -> Parquet', input: (rows) => csvFile(dir, rows), output: 'parquet', peer: true },
    {
      name: 'Parquet -> NDJSON',
      input: (rows) => parquetFile(dir, rows, ROW_GROUP),
      output: 'ndjson',
      peer: true,
    },
    {
      name: 'Parquet -> CAR (batches)',
      sd: { layout: 'batches' },
      input: (rows) => parquetFile(dir, rows, ROW_GROUP),
      output: 'car',
      peer: false,
    },
    { name: 'CAR (batches) -> Parquet', input: (rows) => carOf(rows), output: 'parquet', peer: false },
  ]
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  const notes: string[] = []
  for (const job of jobs) {
    const peakBySize: number[] = []
    for (const rows of sizes) {
      const input = await job.input(rows)
      const tools = job.peer ? ['sd', 'duckdb'] : ['sd']
      const runs = new Map<string, ChildReport[]>(tools.map((t) => [t, []]))
      for (let round = 0; round < rounds; round++) {
        for (const tool of round % 2 === 0 ? tools : [...tools].reverse()) {
          const out =
            job.output === 'car' && tool === 'sd'
              ? carOf(rows)
              : join(dir, `${tool}-${rows}-out.${job.output}`)
          log(`${job.name}, ${label(rows)}, ${tool}, round ${round + 1}`)
          const args = [tool, input, out, ...(tool === 'sd' && job.sd ? [JSON.stringify(job.sd)] : [])]
          const report = await runChild(CHILD, args)
          if (report.records !== rows)
            throw new Error(`${tool} converted ${report.records} rows, expected ${rows}`)
          runs.get(tool)?.push(report)
          if (job.output !== 'car') rmSync(out, { force: true })
        }
      }
      const bytes = statSync(input).size
      const seconds: Record<string, number> = {}
      for (const tool of tools) {
        const reports = runs.get(tool) ?? []
        const s = median(reports.map((r) => r.seconds))
        const peak = median(reports.map((r) => r.peakRssMb))
        seconds[tool] = s
        if (tool === 'sd') peakBySize.push(peak)
        measurements.push({
          name: `${tool === 'sd' ? 'sd convert' : 'DuckDB COPY'}: ${job.name}`,
          dataset: label(rows),
          seconds: s,
          recordsPerSecond: rows / s,
          mbPerSecond: bytes / 1e6 / s,
          peakRssMb: peak,
        })
      }
      if (job.peer) {
        notes.push(
          `${job.name}, ${label(rows)}: DuckDB takes ${((seconds.duckdb ?? 0) / (seconds.sd ?? 1)).toFixed(2)}x sd's time.`,
        )
      }
    }
    const [small, large] = peakBySize as [number, number]
    ratios.push(
      ratioCheck(
        `peak RSS: sd ${job.name}, ${label(sizes[1] as number)} / ${label(sizes[0] as number)}`,
        large / small,
        { max: 1.2 },
      ),
    )
  }
  notes.push(
    "Each run is a fresh Node process (tsx loaded); sd runs the command line's own convert, DuckDB one COPY statement. Input sizes in MB/s are the input file's bytes.",
  )
  return {
    suite: 'cli',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench cli${quick ? ' --quick' : ''}`,
    measurements,
    ratios,
    notes,
  }
}
