import type { SuiteResult } from '@sd/benchmarks/lib/suite'
import type { PlanOptions } from './plan.js'

/** A format the harness benchmarks. */
export type Format = 'parquet' | 'csv' | 'ndjson' | 'vectors'

/** The formats read through a row loader (everything but vectors). */
export type TabularFormat = Exclude<Format, 'vectors'>

/** Which question a configuration answers. */
export type Comparison =
  /** Throughput against batch size, one series per prefetch depth (with the simulated consumer). */
  | 'batch-prefetch'
  /** Repeated passes with the batch cache on and off. */
  | 'cache'
  /** The sd loader against the raw parser it is built on, both with no consumer work. */
  | 'raw-parser'
  /** Vector files: memory map, positional reads or the whole file, read sequentially or at random. */
  | 'vector-access'

/** Every comparison, in report order. */
export const COMPARISONS: readonly Comparison[] = ['batch-prefetch', 'cache', 'raw-parser', 'vector-access']

/** A file to benchmark. */
export interface DatasetInfo {
  format: Format
  path: string
  sizeBytes: number
  /** Rows (or vectors) in the file, when known without reading it. */
  rows?: number
  /** Floats per vector (vector files). */
  dimension?: number
  /** Bytes before the first vector (a `.npy` header). */
  headerBytes?: number
  /** True for the sample data the harness wrote itself. */
  generated: boolean
  /** CSV delimiter (`\t` for `.tsv`). */
  delimiter?: string
}

/** How one configuration reads the data. */
export interface ConfigParams {
  /** `sd` for our loader or package, `raw` for the parser or file access it is compared with. */
  reader: 'sd' | 'raw'
  batchSize: number
  /** `prefetchBatches` of the loader (0 and 1 both mean no read-ahead). */
  prefetch?: number
  /** Batch cache on or off (cache comparison). */
  cache?: 'on' | 'off'
  /** First pass (cold) or a repeated pass (cache comparison). */
  pass?: 'first' | 'repeat'
  /** How vectors are reached. */
  backend?: 'mmap' | 'pread' | 'whole-file'
  /** Order of vector reads. */
  access?: 'sequential' | 'random'
  /** Simulated consumer time per batch, in milliseconds. */
  workMsPerBatch?: number
}

/** One job a fresh child process runs; it yields one or more {@link ConfigResult}s. */
export interface JobSpec {
  comparison: Comparison
  dataset: DatasetInfo
  params: ConfigParams
  /** Measured runs after warm-up. */
  runs: number
  /** Warm-up runs (not measured). */
  warmup: number
  /** Rows read per pass (`undefined`: the whole file). */
  maxRows?: number
  /** Simulated consumer cost, milliseconds per 10,000 records (0: none). */
  workMsPer10k: number
  /** Repeated passes after the first (cache comparison). */
  repeatPasses?: number
  /** Capacity of the batch cache in MiB when it is on. */
  cacheSizeMb?: number
}

/** Outcome of a configuration: measured, not runnable here, or failed. */
export type ConfigStatus = 'ok' | 'unavailable' | 'failed'

/** Figures of one configuration (medians over the measured runs). */
export interface Figures {
  /** Median seconds per pass. */
  seconds: number
  /** Records (rows or vectors) per pass. */
  records: number
  recordsPerSecond: number
  /** File bytes per second (the file's share for the records read). */
  mbPerSecond: number
  /** Time from opening the source to the first batch, in milliseconds. */
  timeToFirstBatchMs?: number
  /** Median time to produce one batch (read + decode), in milliseconds. */
  p50BatchMs?: number
  /** 95th percentile time to produce one batch, in milliseconds. */
  p95BatchMs?: number
  /** Peak resident set size of the child process that ran this configuration, in MiB. */
  peakRssMb?: number
  /** Seconds of every measured run. */
  samples: number[]
  /** Where the batch figures come from: the loader's `getStats()` or the harness's own timer. */
  batchTimesFrom: 'getStats' | 'harness'
  /** Cache hit ratio of the repeated passes (cache comparison, cache on). */
  cacheHitRatio?: number
}

/** One measured (or skipped) configuration. */
export interface ConfigResult {
  /** Stable identifier, e.g. `parquet/batch-prefetch/batch=10000/prefetch=2`. */
  id: string
  comparison: Comparison
  format: Format
  /** Short human label, e.g. `sd batch=10,000 prefetch=2`. */
  label: string
  params: ConfigParams
  status: ConfigStatus
  /** Why it is `unavailable` or `failed`. */
  reason?: string
  runs: number
  warmup: number
  figures?: Figures
}

/** The best configuration the harness found for a format. */
export interface BestConfig {
  format: Format
  /** What the pick is among, e.g. `batch size × prefetch depth` or `random access`. */
  scope: string
  /** Id of the fastest configuration. */
  id: string
  label: string
  recordsPerSecond: number
  peakRssMb?: number
  /** The configuration using least memory within 10% of the fastest, when it is another one. */
  lean?: { id: string; label: string; recordsPerSecond: number; peakRssMb: number }
  /** One sentence for the terminal and the report. */
  summary: string
}

/** A package the harness could not load. */
export interface Unavailable {
  package: string
  reason: string
}

/** Everything a harness run produced (the JSON file). */
export interface HarnessResult {
  tool: 'sd-bench'
  /** ISO time the run started. */
  ranAt: string
  /** The command line that produced this result. */
  command: string
  /** Seconds the whole run took. */
  durationSeconds: number
  machine: SuiteResult['machine']
  options: Omit<PlanOptions, 'comparisons'> & {
    quick: boolean
    /** Jobs run at the same time. */
    parallel: number
  }
  /** Peak RSS of a child process that loads the harness and reads nothing, in MiB. */
  baselineRssMb?: number
  datasets: DatasetInfo[]
  configurations: ConfigResult[]
  best: BestConfig[]
  unavailable: Unavailable[]
  /** Results of the peer suites from `benchmarks/suites.ts`, when asked for. */
  peers?: SuiteResult[]
  /** Suites that failed, with the error. */
  peerErrors?: { suite: string; error: string }[]
  notes: string[]
}
