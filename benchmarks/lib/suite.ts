import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'

/** One measured configuration of a suite (ours or a peer's). */
export interface Measurement {
  /** What ran, e.g. `sd columnar batches` or `raw hyparquet onChunk`. */
  name: string
  /** Dataset label, e.g. `1M rows`. */
  dataset: string
  /** Median seconds per run. */
  seconds: number
  recordsPerSecond?: number
  mbPerSecond?: number
  /** Peak resident set size in MiB, when measured in a fresh process. */
  peakRssMb?: number
  /** Anything else worth keeping (batch size, prefetch depth...). */
  extra?: Record<string, number | string | boolean>
}

/** A target from an issue, checked against two measurements of one run. */
export interface RatioCheck {
  /** What is compared, e.g. `columnar vs raw onChunk (1M rows)`. */
  name: string
  /** The measured ratio (ours / peer for throughput, or as described in `target`). */
  ratio: number
  /** The target, e.g. `>= 0.9`. */
  target: string
  pass: boolean
}

/** What a suite returns and what is committed to `benchmarks/results/<suite>.json`. */
export interface SuiteResult {
  suite: string
  /** ISO time of the run. */
  ranAt: string
  machine: { node: string; cpus: number; cpuModel: string; memoryGb: number }
  /** How the run was made (`pnpm --filter @sd/benchmarks bench <suite>`), and its options. */
  command: string
  measurements: Measurement[]
  ratios: RatioCheck[]
  notes?: string[]
}

/** Options every suite accepts. */
export interface SuiteOptions {
  /** A smaller, faster run (CI smoke tests, the harness's `--quick`). */
  quick?: boolean
  /** Where generated data goes (default: a folder under the OS temp dir). */
  dataDir?: string
  /** Print progress lines. */
  log?: (line: string) => void
}

/** A benchmark suite the runner and the harness can run. */
export type Suite = (options: SuiteOptions) => Promise<SuiteResult>

/** The machine description stored with results. */
export function machineInfo(): SuiteResult['machine'] {
  const cpu = cpus()
  return {
    node: process.version,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
  }
}

/** A ratio check: `pass` is `ratio >= min` (or `ratio <= max`). */
export function ratioCheck(
  name: string,
  ratio: number,
  bound: { min: number } | { max: number },
): RatioCheck {
  if ('min' in bound) return { name, ratio, target: `>= ${bound.min}`, pass: ratio >= bound.min }
  return { name, ratio, target: `<= ${bound.max}`, pass: ratio <= bound.max }
}

/** Writes a suite's result to `benchmarks/results/<suite>.json` (or `file`). */
export function writeResult(
  result: SuiteResult,
  file = join(import.meta.dirname, '..', 'results', `${result.suite}.json`),
): string {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  return file
}

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return ''
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** The measurements and ratio checks as Markdown tables (for package READMEs and the terminal). */
export function toMarkdown(result: SuiteResult): string {
  const lines = [
    '| dataset | what | seconds | records/s | MB/s | peak RSS MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...result.measurements.map(
      (m) =>
        `| ${m.dataset} | ${m.name} | ${fmt(m.seconds, 3)} | ${fmt(m.recordsPerSecond)} | ${fmt(m.mbPerSecond, 1)} | ${fmt(m.peakRssMb, 1)} |`,
    ),
  ]
  if (result.ratios.length > 0) {
    lines.push('', '| check | ratio | target | |', '| --- | ---: | --- | --- |')
    for (const r of result.ratios)
      lines.push(`| ${r.name} | ${fmt(r.ratio, 2)} | ${r.target} | ${r.pass ? 'pass' : 'FAIL'} |`)
  }
  return lines.join('\n')
}
