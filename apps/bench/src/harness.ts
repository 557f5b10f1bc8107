import { machineInfo } from '@sd/benchmarks/lib/suite'
import { bestConfigs } from './best.js'
import { shortRate } from './format-number.js'
import { countRows, describeInput } from './formats.js'
import { importExport } from './packages.js'
import { runPeerSuites } from './peers.js'
import { type PlannedJob, type PlanOptions, planJobs } from './plan.js'
import type { Progress } from './progress.js'
import { runJobInChild } from './run-job.js'
import { sampleDatasets } from './sample-data.js'
import type { ConfigResult, DatasetInfo, Format, HarnessResult, Unavailable } from './types.js'

/** Everything a harness run needs (the CLI builds it from flags). */
export interface HarnessOptions extends PlanOptions {
  quick: boolean
  /** Files to benchmark; empty: generate the sample data. */
  paths: string[]
  /** Rows of the sample data. */
  rows: number
  /** Vectors of the sample vector file. */
  vectors: number
  /** Floats per vector (sample data, and raw vector files given as paths). */
  dimension: number
  /** Formats of the sample data. */
  formats: readonly Format[]
  /** Where sample data is written (and reused from). */
  dataDir: string
  /** Peer suites to run as well: names, or `[]` for all; undefined runs none. */
  suites?: string[]
  /** The command line, stored in the result. */
  command: string
  /** Jobs run at the same time (1 for figures that do not disturb each other). */
  parallel: number
}

const PACKAGE_NOTE =
  'Configurations marked unavailable need an sd package whose sources are not in this checkout yet; they are listed, not measured.'

/**
 * Runs every comparison: finds or writes the data, plans the jobs, runs each in a fresh child
 * process with a progress bar, names the best configuration per format, and runs the peer
 * suites when asked.
 */
export async function runHarness(options: HarnessOptions, progress: Progress): Promise<HarnessResult> {
  const started = performance.now()
  const ranAt = new Date().toISOString()
  const datasets = await findDatasets(options, (line) => progress.log(line))
  const jobs = datasets.flatMap((d) => planJobs(d, options))

  const unavailable: Unavailable[] = []
  const blocked = new Map<string, { status: 'unavailable' | 'failed'; reason: string }>()
  const needed = new Map(jobs.flatMap((j) => (j.pkg ? [[j.pkg.pkg, j.pkg.fn] as const] : [])))
  for (const [pkg, fn] of needed) {
    const found = await importExport(pkg, fn)
    if (!found.ok) {
      blocked.set(pkg, found)
      unavailable.push({ package: pkg, reason: found.reason })
      progress.log(found.reason)
    }
  }

  const runnable = jobs.filter((j) => !(j.pkg && blocked.has(j.pkg.pkg)))
  progress.start(runnable.length + 1 + (options.suites ? 1 : 0))
  progress.begin('baseline child process')
  const baseline = await runJobInChild('baseline')
  const baselineRssMb = baseline.ok ? baseline.peakRssMb : undefined
  progress.end(
    'baseline child process',
    baselineRssMb === undefined ? 'failed' : `${baselineRssMb.toFixed(0)} MiB`,
  )

  // results keep the plan's order whatever order parallel jobs finish in
  const outcomes: ConfigResult[][] = jobs.map((job) => {
    const block = job.pkg ? blocked.get(job.pkg.pkg) : undefined
    return block ? job.configs.map((c) => ({ ...c, status: block.status, reason: block.reason })) : []
  })
  let next = 0
  const worker = async () => {
    for (let i = next++; i < jobs.length; i = next++) {
      const job = jobs[i] as PlannedJob
      if (job.pkg && blocked.has(job.pkg.pkg)) continue
      outcomes[i] = await runOne(job, progress)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, worker))
  const configurations = outcomes.flat()

  let peers: Awaited<ReturnType<typeof runPeerSuites>> | undefined
  if (options.suites) {
    const label = `peer suites${options.suites.length > 0 ? ` ${options.suites.join(', ')}` : ''}`
    progress.begin(label)
    peers = await runPeerSuites(options.suites, options.quick, (line) => progress.log(line))
    progress.end(label, `${peers.results.length} suite(s) run, ${peers.errors.length} failed`)
  }
  progress.finish()

  const result: HarnessResult = {
    tool: 'sd-bench',
    ranAt,
    command: options.command,
    durationSeconds: (performance.now() - started) / 1000,
    machine: machineInfo(),
    options: {
      quick: options.quick,
      parallel: options.parallel,
      batchSizes: options.batchSizes,
      prefetchDepths: options.prefetchDepths,
      runs: options.runs,
      warmup: options.warmup,
      workMsPer10k: options.workMsPer10k,
      ...(options.passRows === undefined ? {} : { passRows: options.passRows }),
      repeatPasses: options.repeatPasses,
      cacheSizeMb: options.cacheSizeMb,
    },
    ...(baselineRssMb === undefined ? {} : { baselineRssMb }),
    datasets,
    configurations,
    best: bestConfigs(configurations),
    unavailable,
    notes: notes(options, unavailable.length > 0),
  }
  if (peers) {
    result.peers = peers.results
    if (peers.errors.length > 0) result.peerErrors = peers.errors
  }
  return result
}

async function runOne(job: PlannedJob, progress: Progress): Promise<ConfigResult[]> {
  const label = `${job.spec.dataset.format} ${job.configs[0]?.label ?? job.spec.comparison}`
  progress.begin(label)
  const t0 = performance.now()
  const reply = await runJobInChild(job.spec)
  const took = `in ${((performance.now() - t0) / 1000).toFixed(1)} s`
  if (!reply.ok) {
    progress.end(label, reply.error)
    const status = reply.unavailable ? 'unavailable' : 'failed'
    return job.configs.map((c) => ({ ...c, status, reason: reply.error }))
  }
  const out = job.configs.map((c) => {
    const measured = reply.outputs.find(
      (o) => o.params.pass === c.params.pass && o.params.access === c.params.access,
    )
    if (!measured)
      return { ...c, status: 'failed' as const, reason: 'the child process reported no figures for it' }
    const hits = measured.figures.cacheHitRatio
    const label = hits === undefined ? c.label : `${c.label} (${Math.round(hits * 100)}% cache hits)`
    return { ...c, label, figures: { ...measured.figures, peakRssMb: reply.peakRssMb } }
  })
  const unit = job.spec.dataset.format === 'vectors' ? 'vectors/s' : 'rec/s'
  progress.end(
    label,
    `${out.map((c) => `${shortRate(c.figures?.recordsPerSecond)} ${unit}`).join(', ')} (${took})`,
  )
  return out
}

async function findDatasets(options: HarnessOptions, log: (line: string) => void): Promise<DatasetInfo[]> {
  if (options.paths.length === 0) {
    log(`sample data in ${options.dataDir}`)
    return sampleDatasets(
      options.dataDir,
      { rows: options.rows, vectors: options.vectors, dimension: options.dimension },
      options.formats,
      (line) => log(`  ${line}`),
    )
  }
  const out: DatasetInfo[] = []
  for (const path of options.paths) {
    const info = describeInput(path, options.dimension)
    if (info.rows === undefined) info.rows = await countRows(info)
    out.push(info)
  }
  return out
}

function notes(options: HarnessOptions, missing: boolean): string[] {
  const out = [
    "Every job runs in a fresh Node process; peak RSS is that process's high-water mark (VmHWM on Linux; it includes Node, tsx and the loaded modules: see baselineRssMb).",
    'MB/s counts file bytes: the file size times the share of its records a pass read, divided by the pass time (MB = 10^6 bytes).',
    `batch-prefetch: each pass reads ${options.passRows === undefined ? 'the whole file' : `the first ${options.passRows.toLocaleString('en-US')} records`} with the cache off; the consumer waits ${options.workMsPer10k} ms per 10,000 records (asynchronously, so read-ahead can overlap it).`,
    'prefetch 0 and 1 both mean no read-ahead in sd loaders; both are measured so the table shows it.',
    'cache: one dataset read like training epochs, with no read-ahead: a cold first pass (no warm-up: a first pass is cold by nature), then the repeated passes with its cache on or off; "repeat" is their mean, and its batch times are the harness\'s (the loader\'s statistics add up all passes).',
    "p50/p95 batch times and time to first batch come from the loader's getStats() for sd loaders; for raw parsers and vector reads the harness times each batch (a block of 1,000 vectors) itself.",
  ]
  if (missing) out.push(PACKAGE_NOTE)
  return out
}
