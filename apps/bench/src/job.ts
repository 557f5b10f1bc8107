import { SimulatedConsumer } from './consumer.js'
import { importExport, LOADERS, type LoadFn, type LoadVectorsFn, VECTORS } from './packages.js'
import { fromStats, fromWalk, openSd, type PassMeasure, sdPass, walk } from './pass.js'
import { median, medianOf } from './stats.js'
import { timedRuns } from './timed-runs.js'
import type { ConfigParams, DatasetInfo, Figures, JobSpec } from './types.js'

/** One configuration a job measured (the child adds its peak RSS). */
export interface JobOutput {
  params: ConfigParams
  figures: Figures
}

/** Runs one job (warm-up, then the measured runs) in this process and returns its figures. */
export async function runJob(spec: JobSpec): Promise<JobOutput[]> {
  const { comparison, dataset, params, runs, warmup } = spec
  const name = `${dataset.format} ${comparison}`
  if (dataset.format === 'vectors') {
    // loaded on demand: a child imports only what its job needs, so it starts faster
    const { readOrder, vectorPass } = await import('./vector-pass.js')
    const load = params.reader === 'sd' ? await required<LoadVectorsFn>(VECTORS.pkg, VECTORS.fn) : undefined
    if (params.backend === 'mmap') await requireMmap()
    const n = dataset.rows ?? 0
    const count = spec.maxRows === undefined ? n : Math.min(n, spec.maxRows)
    // one process per backend (the memory question); both orders, each with its own warm-up
    const outputs: JobOutput[] = []
    for (const access of params.access ? [params.access] : (['sequential', 'random'] as const)) {
      const order = readOrder(count, access)
      const options = {
        backend: params.backend ?? 'whole-file',
        access,
        blockSize: params.batchSize,
        ...(load ? { load } : {}),
      }
      const measures = await timedRuns(`${name} ${access}`, runs, warmup, () =>
        vectorPass(dataset, options, order),
      )
      outputs.push({ params: { ...params, access }, figures: figuresOf(measures, dataset) })
    }
    return outputs
  }
  if (params.reader === 'raw') {
    const { rawPass } = await import('./raw-parsers.js')
    const measures = await timedRuns(name, runs, warmup, () =>
      rawPass(dataset, params.batchSize, spec.maxRows),
    )
    return [{ params, figures: figuresOf(measures, dataset) }]
  }
  const loader = LOADERS[dataset.format]
  const load = await required<LoadFn>(loader.pkg, loader.fn)
  const base = {
    batchSize: params.batchSize,
    prefetch: params.prefetch ?? 2,
    ...(spec.maxRows === undefined ? {} : { maxRows: spec.maxRows }),
  }
  if (comparison === 'cache') return cacheJob(spec, load, params.batchSize)
  const measures = await timedRuns(name, runs, warmup, () =>
    sdPass(load, dataset, {
      ...base,
      ...(spec.workMsPer10k > 0 ? { consumer: new SimulatedConsumer(spec.workMsPer10k) } : {}),
    }),
  )
  return [{ params, figures: figuresOf(measures, dataset) }]
}

/**
 * Cache on or off, the way a training loop reads a dataset: one dataset, a first (cold) pass,
 * then `repeatPasses` more. The first pass's figures come from the loader's `getStats()`; the
 * repeated ones from the harness's timing (the loader's statistics add up all passes). No
 * read-ahead, so a batch's wait is its read, decode or replay time.
 */
async function cacheJob(spec: JobSpec, load: LoadFn, batchSize: number): Promise<JobOutput[]> {
  const { dataset, params } = spec
  const repeats = Math.max(1, spec.repeatPasses ?? 2)
  const on = params.cache === 'on'
  const results = await timedRuns(
    `${dataset.format} cache ${params.cache}`,
    spec.runs,
    spec.warmup,
    async () => {
      const t0 = performance.now()
      const ds = await openSd(load, dataset, {
        batchSize,
        prefetch: 0,
        ...(on ? { cacheSizeMb: spec.cacheSizeMb ?? 1024 } : {}),
      })
      const opened = (performance.now() - t0) / 1000
      const first = fromStats(ds, await walk(ds), opened)
      const again: PassMeasure[] = []
      for (let i = 0; i < repeats; i++) {
        const before = ds.getStats().cache
        const measure = fromWalk(await walk(ds))
        const after = ds.getStats().cache
        if (before && after) {
          measure.cacheHits = after.hits - before.hits
          measure.cacheMisses = after.misses - before.misses
        }
        again.push(measure)
      }
      return { first, again }
    },
  )
  const firstFigures = figuresOf(
    results.map((r) => r.first),
    dataset,
  )
  const repeatFigures = figuresOf(
    results.map((r) => averagePasses(r.again)),
    dataset,
  )
  if (on) {
    const hits = results.reduce((sum, r) => sum + r.again.reduce((s, m) => s + (m.cacheHits ?? 0), 0), 0)
    const misses = results.reduce((sum, r) => sum + r.again.reduce((s, m) => s + (m.cacheMisses ?? 0), 0), 0)
    repeatFigures.cacheHitRatio = hits + misses > 0 ? hits / (hits + misses) : 0
  }
  return [
    { params: { ...params, pass: 'first' }, figures: firstFigures },
    { params: { ...params, pass: 'repeat' }, figures: repeatFigures },
  ]
}

/** One measure standing for several repeated passes: mean time, median batch figures. */
function averagePasses(passes: PassMeasure[]): PassMeasure {
  const out: PassMeasure = {
    seconds: passes.reduce((s, m) => s + m.seconds, 0) / passes.length,
    records: passes[0]?.records ?? 0,
    batchTimesFrom: passes[0]?.batchTimesFrom ?? 'getStats',
  }
  const ttfb = medianOf(passes.map((m) => m.timeToFirstBatchMs))
  const p50 = medianOf(passes.map((m) => m.p50BatchMs))
  const p95 = medianOf(passes.map((m) => m.p95BatchMs))
  if (ttfb !== undefined) out.timeToFirstBatchMs = ttfb
  if (p50 !== undefined) out.p50BatchMs = p50
  if (p95 !== undefined) out.p95BatchMs = p95
  return out
}

/** Medians over the measured runs; MB/s counts the file's bytes in proportion to the records read. */
export function figuresOf(measures: PassMeasure[], dataset: DatasetInfo): Figures {
  const seconds = median(measures.map((m) => m.seconds))
  const records = measures[0]?.records ?? 0
  const totalRows = dataset.rows ?? records
  const bytes = totalRows > 0 ? (dataset.sizeBytes * Math.min(records, totalRows)) / totalRows : 0
  const figures: Figures = {
    seconds,
    records,
    recordsPerSecond: seconds > 0 ? records / seconds : 0,
    mbPerSecond: seconds > 0 ? bytes / seconds / 1e6 : 0,
    samples: measures.map((m) => m.seconds),
    batchTimesFrom: measures[0]?.batchTimesFrom ?? 'harness',
  }
  const ttfb = medianOf(measures.map((m) => m.timeToFirstBatchMs))
  const p50 = medianOf(measures.map((m) => m.p50BatchMs))
  const p95 = medianOf(measures.map((m) => m.p95BatchMs))
  if (ttfb !== undefined) figures.timeToFirstBatchMs = ttfb
  if (p50 !== undefined) figures.p50BatchMs = p50
  if (p95 !== undefined) figures.p95BatchMs = p95
  return figures
}

/** Marks an error as "this package is not there" so the parent reports it as unavailable. */
export class PackageUnavailableError extends Error {
  override name = 'PackageUnavailableError'
}

async function required<T>(pkg: string, fn: string): Promise<T> {
  const found = await importExport<T>(pkg, fn)
  if (found.ok) return found.value
  if (found.status === 'unavailable') throw new PackageUnavailableError(found.reason)
  throw new Error(found.reason)
}

/** The mmap backend needs the package's native addon; without it the configuration is unavailable. */
async function requireMmap(): Promise<void> {
  const available = await required<() => boolean>(VECTORS.pkg, 'isMmapAvailable')
  if (available()) return
  const reason = await importExport<() => string | undefined>(VECTORS.pkg, 'mmapUnavailableReason')
  const why = reason.ok ? reason.value() : undefined
  throw new PackageUnavailableError(
    `the mmap backend of ${VECTORS.pkg} is not available here${why ? `: ${why}` : ''}`,
  )
}
