/**
 * @sd/parquet against raw hyparquet and DuckDB on generated files of 1M and 10M rows (5 columns:
 * int32, double, string, boolean, double; 11 row groups; SNAPPY), all in one process run.
 *
 * Throughput (tinybench, interleaved rounds; every consumer only counts rows):
 * - sd columnar batches vs raw hyparquet `parquetRead` + `onChunk`, one row group at a time
 *   (hyparquet's `asyncBufferFromFile`, the same hyparquet-compressors): target >= 0.9x;
 * - sd `rowFormat: 'object'` vs raw `parquetReadObjects` per row group: target >= 0.9x;
 * - sd columnar vs DuckDB (`@duckdb/node-api` `stream` + `yieldRows`): target >= 1.3x;
 * - a filter keeping one row group in 11 vs the unfiltered read: target <= 0.2x the time.
 * The sd loaders run with `cacheEnabled: false`: repeated iterations would otherwise replay
 * decoded batches from the cache instead of reading the file.
 *
 * Memory (peak RSS of fresh child processes reading the whole file, cache off): the 10M-row file
 * at most 1.2x the 1M-row file, and at most 2x the largest decoded row group + 64 MiB.
 */
import { DuckDBInstance } from '@duckdb/node-api'
import { loadParquet } from '@sd/parquet'
import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { defaultDataDir, parquetFile } from '../lib/data.ts'
import { runChild } from '../lib/rss.ts'
import { type Measurement, machineInfo, type RatioCheck, ratioCheck, type Suite } from '../lib/suite.ts'
import { type Timing, timeTasks } from '../lib/timing.ts'
import { openRaw, readRawChunks } from './raw.ts'

const MIB = 1024 * 1024

export const parquetSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const dataDir = options.dataDir ?? defaultDataDir()
  const sizes = options.quick ? [100_000, 1_000_000] : [1_000_000, 10_000_000]
  const measurements: Measurement[] = []
  const ratios: RatioCheck[] = []
  const notes: string[] = [
    'sd loaders run with cacheEnabled: false for timing and RSS (no decoded-batch replay); prefetchBatches is the default 2.',
    'raw hyparquet uses asyncBufferFromFile and the hyparquet-compressors decompressors, as sd does.',
    'DuckDB streams rows with yieldRows (arrays of values), its cheapest row form; it uses both cores.',
  ]
  if (options.quick) {
    notes.push(
      'quick mode reads 100k and 1M rows: fixed costs (Node, opening a file) dominate there, so the RSS and filter targets, set for 1M and 10M rows, are not expected to hold',
    )
  }
  const duck = await (await DuckDBInstance.create(':memory:')).connect()
  let sink = 0
  const rss: Record<number, number> = {}
  let largestGroupMb = 0

  for (const rows of sizes) {
    const label = `${rows / 1e6}M rows`
    log(`${label}: preparing the file`)
    const file = await parquetFile(dataDir, rows)
    const raw = await openRaw(file)
    const { buffer, metadata, groups: ranges } = raw
    const firstGroup = ranges[0] as [number, number]
    const big = rows >= 10_000_000
    const tasks: Record<string, () => Promise<void>> = {
      'sd columnar batches': async () => {
        for await (const batch of loadParquet(file, { cacheEnabled: false })) sink += batch.numRows
      },
      'raw hyparquet onChunk per row group': async () => {
        sink += await readRawChunks(raw)
      },
      "sd rowFormat: 'object'": async () => {
        for await (const batch of loadParquet(file, { cacheEnabled: false, rowFormat: 'object' }))
          sink += batch.rows().length
      },
      'raw parquetReadObjects per row group': async () => {
        for (const [rowStart, rowEnd] of ranges) {
          sink += (await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors })).length
        }
      },
      'DuckDB stream rows': async () => {
        const result = await duck.stream(`SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`)
        for await (const chunk of result.yieldRows()) sink += chunk.length
      },
      'sd columnar, filter keeping 1 of 11 row groups': async () => {
        const filters = { id: { $lt: firstGroup[1] } }
        for await (const batch of loadParquet(file, { cacheEnabled: false, filters })) sink += batch.numRows
      },
    }
    log(`${label}: timing ${Object.keys(tasks).length} readers`)
    const timings = await timeTasks(tasks, {
      iterations: options.quick ? 2 : big ? 2 : 6,
      warmupIterations: 1,
      rounds: options.quick ? 1 : big ? 2 : 3,
    })
    const t = (name: string) => timings[name] as Timing
    for (const [name, timing] of Object.entries(timings)) {
      const seconds = timing.p50Ms / 1000
      measurements.push({
        name,
        dataset: label,
        seconds,
        recordsPerSecond: name.includes('filter') ? firstGroup[1] / seconds : rows / seconds,
        extra: { samples: timing.samples },
      })
    }
    const speed = (ours: string, peer: string) => t(peer).p50Ms / t(ours).p50Ms
    ratios.push(
      ratioCheck(
        `columnar vs raw onChunk (${label})`,
        speed('sd columnar batches', 'raw hyparquet onChunk per row group'),
        {
          min: 0.9,
        },
      ),
      ratioCheck(
        `row objects vs raw parquetReadObjects (${label})`,
        speed("sd rowFormat: 'object'", 'raw parquetReadObjects per row group'),
        { min: 0.9 },
      ),
      ratioCheck(`columnar vs DuckDB rows (${label})`, speed('sd columnar batches', 'DuckDB stream rows'), {
        min: 1.3,
      }),
      ratioCheck(
        `filter 1 of 11 row groups: time / unfiltered time (${label})`,
        t('sd columnar, filter keeping 1 of 11 row groups').p50Ms / t('sd columnar batches').p50Ms,
        { max: 0.2 },
      ),
    )

    log(`${label}: peak RSS in fresh processes`)
    for (const mode of ['sd-columns', 'raw-row-groups'] as const) {
      const report = await runChild(new URL('./rss-child.ts', import.meta.url), [file, mode])
      if (report.records !== rows) throw new Error(`${mode} read ${report.records} rows, expected ${rows}`)
      if (mode === 'sd-columns') rss[rows] = report.peakRssMb
      measurements.push({
        name:
          mode === 'sd-columns' ? 'peak RSS: sd columnar, cache off' : 'peak RSS: raw onChunk per row group',
        dataset: label,
        seconds: report.seconds,
        recordsPerSecond: rows / report.seconds,
        peakRssMb: report.peakRssMb,
      })
    }
    if (rows === sizes[1]) {
      // the decoded size of the largest row group: all of it as one batch
      const groupRows = Math.max(...ranges.map(([a, b]) => b - a))
      const group = await loadParquet(file, { batchSize: groupRows, cacheEnabled: false })
        .take(groupRows)
        .collect()
      largestGroupMb = group.byteSize / MIB
      measurements.push({
        name: 'largest row group, decoded (RecordBatch.byteSize)',
        dataset: label,
        seconds: 0,
        extra: { rows: groupRows, mib: Math.round(largestGroupMb * 10) / 10 },
      })
    }
  }
  duck.closeSync()
  if (sink === 0) throw new Error('the readers produced nothing')

  const [small, large] = sizes as [number, number]
  const rssSmall = rss[small] as number
  const rssLarge = rss[large] as number
  ratios.push(
    ratioCheck(`peak RSS ${large / 1e6}M / ${small / 1e6}M rows (sd, cache off)`, rssLarge / rssSmall, {
      max: 1.2,
    }),
    ratioCheck(
      `peak RSS ${large / 1e6}M rows / (2 x largest decoded row group + 64 MiB)`,
      rssLarge / (2 * largestGroupMb + 64),
      { max: 1 },
    ),
  )
  return {
    suite: 'parquet',
    ranAt: new Date().toISOString(),
    machine: machineInfo(),
    command: `pnpm --filter @sd/benchmarks bench parquet${options.quick ? ' --quick' : ''}`,
    measurements,
    ratios,
    notes,
  }
}
