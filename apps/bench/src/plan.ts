import { LOADERS, VECTORS } from './packages.js'
import type { Comparison, ConfigParams, ConfigResult, DatasetInfo, Format, JobSpec } from './types.js'

/** What the plan is made from (the resolved CLI options). */
export interface PlanOptions {
  batchSizes: number[]
  prefetchDepths: number[]
  runs: number
  warmup: number
  workMsPer10k: number
  /** Rows per pass in the batch × prefetch grid (undefined: the whole file). */
  passRows?: number
  repeatPasses: number
  cacheSizeMb: number
  comparisons: readonly Comparison[]
}

/** A job and the configurations it reports. */
export interface PlannedJob {
  spec: JobSpec
  /** Package (and factory) the job needs, when it uses one. */
  pkg?: { pkg: string; fn: string }
  configs: ConfigResult[]
}

const RAW_NAMES: Record<Format, string> = {
  parquet: 'raw hyparquet (row group at a time)',
  csv: 'raw csv-parse',
  ndjson: 'raw JSON.parse per line',
  vectors: 'whole file in memory',
}

const fmt = (n: number) => n.toLocaleString('en-US')

/** The stable id of a configuration. */
export function configId(format: Format, comparison: Comparison, p: ConfigParams): string {
  const parts: string[] = [format, comparison]
  switch (comparison) {
    case 'batch-prefetch':
      parts.push(`batch=${p.batchSize}`, `prefetch=${p.prefetch}`)
      break
    case 'cache':
      parts.push(`cache=${p.cache}`, `pass=${p.pass}`)
      break
    case 'raw-parser':
      parts.push(`reader=${p.reader}`)
      break
    case 'vector-access':
      parts.push(`backend=${p.backend}`, `access=${p.access}`)
      break
  }
  return parts.join('/')
}

/** A short label of a configuration for tables and charts. */
export function configLabel(format: Format, comparison: Comparison, p: ConfigParams): string {
  switch (comparison) {
    case 'batch-prefetch':
      return `batch ${fmt(p.batchSize)}, prefetch ${p.prefetch}`
    case 'cache':
      return `cache ${p.cache}, ${p.pass} pass`
    case 'raw-parser':
      return p.reader === 'raw'
        ? RAW_NAMES[format]
        : `sd ${format === 'vectors' ? VECTORS.fn : LOADERS[format].fn}`
    case 'vector-access':
      return `${p.backend === 'whole-file' ? 'whole file' : p.backend}, ${p.access}`
  }
}

function config(format: Format, comparison: Comparison, params: ConfigParams, spec: JobSpec): ConfigResult {
  return {
    id: configId(format, comparison, params),
    comparison,
    format,
    label: configLabel(format, comparison, params),
    params,
    status: 'ok',
    runs: spec.runs,
    warmup: spec.warmup,
  }
}

function job(spec: JobSpec, pkg: PlannedJob['pkg'], params: ConfigParams[]): PlannedJob {
  const { format } = spec.dataset
  return {
    spec,
    ...(pkg ? { pkg } : {}),
    configs: params.map((p) => config(format, spec.comparison, p, spec)),
  }
}

/** The batch size the single-setting comparisons use: 10,000 (the loaders' default) when listed. */
export function referenceBatchSize(batchSizes: number[]): number {
  return batchSizes.includes(10_000) ? 10_000 : (batchSizes[Math.floor(batchSizes.length / 2)] ?? 10_000)
}

/** Every job for one dataset, in the order they run. */
export function planJobs(dataset: DatasetInfo, o: PlanOptions): PlannedJob[] {
  const jobs: PlannedJob[] = []
  const base = { dataset, runs: o.runs, warmup: o.warmup, workMsPer10k: 0 }
  const batchSize = referenceBatchSize(o.batchSizes)
  if (dataset.format === 'vectors') {
    if (!o.comparisons.includes('vector-access')) return jobs
    for (const backend of ['mmap', 'pread', 'whole-file'] as const) {
      const params: ConfigParams = {
        reader: backend === 'whole-file' ? 'raw' : 'sd',
        batchSize: 1000,
        backend,
      }
      const spec: JobSpec = { ...base, comparison: 'vector-access', params }
      const orders = (['sequential', 'random'] as const).map((access) => ({ ...params, access }))
      jobs.push(job(spec, backend === 'whole-file' ? undefined : VECTORS, orders))
    }
    return jobs
  }
  const pkg = LOADERS[dataset.format]
  if (o.comparisons.includes('batch-prefetch')) {
    for (const size of o.batchSizes) {
      for (const prefetch of o.prefetchDepths) {
        const params: ConfigParams = {
          reader: 'sd',
          batchSize: size,
          prefetch,
          workMsPerBatch: (o.workMsPer10k * size) / 10_000,
        }
        const spec: JobSpec = {
          ...base,
          comparison: 'batch-prefetch',
          params,
          workMsPer10k: o.workMsPer10k,
          ...(o.passRows === undefined ? {} : { maxRows: o.passRows }),
        }
        jobs.push(job(spec, pkg, [params]))
      }
    }
  }
  if (o.comparisons.includes('cache')) {
    for (const cache of ['on', 'off'] as const) {
      const params: ConfigParams = { reader: 'sd', batchSize, prefetch: 0, cache }
      // a first pass is cold by nature: no warm-up; the repeated passes are the several runs
      const spec: JobSpec = {
        ...base,
        runs: 1,
        warmup: 0,
        comparison: 'cache',
        params,
        repeatPasses: o.repeatPasses,
        cacheSizeMb: o.cacheSizeMb,
      }
      jobs.push(
        job(spec, pkg, [
          { ...params, pass: 'first' },
          { ...params, pass: 'repeat' },
        ]),
      )
    }
  }
  if (o.comparisons.includes('raw-parser')) {
    for (const reader of ['sd', 'raw'] as const) {
      const params: ConfigParams =
        reader === 'sd' ? { reader, batchSize, prefetch: 2 } : { reader, batchSize }
      jobs.push(
        job({ ...base, comparison: 'raw-parser', params }, reader === 'sd' ? pkg : undefined, [params]),
      )
    }
  }
  return jobs
}
