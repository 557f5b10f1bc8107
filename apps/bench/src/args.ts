import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultDataDir } from '@sd/benchmarks/lib/data'
import { UsageError } from './formats.js'
import type { HarnessOptions } from './harness.js'
import { COMPARISONS, type Comparison, type Format } from './types.js'

/** What the command line asks for. */
export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'peers'; suites: string[]; quick: boolean; out: string }
  | { kind: 'run'; harness: HarnessOptions; out: string }

/** The `--help` text. */
export const HELP = `sd-bench: which batch size, read-ahead and access pattern is fastest for this data on this machine

Usage
  sd-bench [options]                 generate sample data (Parquet, CSV, NDJSON, vectors) and run every comparison
  sd-bench <file...> [options]       benchmark your own files (format from the extension)
  sd-bench peers [suite...] [--quick] run the peer suites from benchmarks/suites.ts (sd against other libraries)

Comparisons
  batch-prefetch   batch sizes x prefetch depths, with a simulated consumer (--work-ms)
  cache            repeated passes with the batch cache on and off
  raw-parser       each sd loader against the parser it is built on (hyparquet, csv-parse, JSON.parse)
  vector-access    memory map vs positional reads vs whole file, sequential vs random

Options
  --quick               small data, one measured run, two at a time (a smoke test: about
                        2 minutes of CPU, mostly the Node + tsx start of each configuration's process)
  --rows <n>            rows of the sample Parquet/CSV/NDJSON files (default 1,000,000; quick 50,000)
  --vectors <n>         vectors in the sample vector file (default 100,000; quick 20,000)
  --dimension <n>       floats per vector (default 128; needed for raw .f32 files you pass)
  --formats <list>      sample formats to generate (default parquet,csv,ndjson,vectors)
  --only <list>         comparisons to run (default all: ${COMPARISONS.join(',')})
  --batch-sizes <list>  default 1000,10000,50000
  --prefetch <list>     prefetch depths (default 0,1,2,4,8)
  --runs <n>            measured runs per configuration (default 3; quick 1)
  --warmup <n>          unmeasured warm-up runs per configuration (default 1)
  --parallel <n>        configurations measured at the same time (default 1; quick 2 on 2+ cores: rougher figures)
  --work-ms <ms>        simulated consumer time per 10,000 records in the batch-prefetch grid (default 5; 0 = none)
  --pass-rows <n>       records each batch-prefetch pass reads (default 200,000; 0 = the whole file, as in quick)
  --repeat-passes <n>   passes after the first in the cache comparison (default 2)
  --cache-mb <n>        cache capacity when it is on (default 1024)
  --suites              also run every peer suite (or name them with --suite <name>, repeatable)
  --out <dir>           where the JSON and HTML report go (default ./sd-bench-results)
  --data-dir <dir>      where sample data is written and reused (default ${defaultDataDir()})
  -h, --help            this text
  -v, --version         the version

Output: a table on stdout, progress on stderr, and <out>/sd-bench.json and <out>/sd-bench.html.
`

const FORMATS: readonly Format[] = ['parquet', 'csv', 'ndjson', 'vectors']

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value.replaceAll('_', '').replaceAll(',', ''))
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} expects a whole number >= ${min}, got "${value}"`)
  return n
}

function numbers(name: string, value: string | undefined, min: number): number[] | undefined {
  if (value === undefined) return undefined
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => integer(name, s.replaceAll('_', ''), min) as number)
  if (list.length === 0) throw new UsageError(`--${name} expects a comma-separated list, got "${value}"`)
  return [...new Set(list)].sort((a, b) => a - b)
}

function names<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T[] | undefined {
  if (value === undefined) return undefined
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const item of list) {
    if (!allowed.includes(item as T)) {
      throw new UsageError(`--${name}: unknown "${item}", expected some of ${allowed.join(', ')}`)
    }
  }
  return list as T[]
}

/** Parses the command line (without `node` and the script). Throws {@link UsageError} on bad flags. */
export function parseCommand(argv: string[], cwd = process.cwd()): Command {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const { values: v, positionals } = parsed
  if (v.help) return { kind: 'help' }
  if (v.version) return { kind: 'version' }
  const quick = v.quick === true
  const out = resolve(cwd, v.out ?? 'sd-bench-results')
  if (positionals[0] === 'peers') return { kind: 'peers', suites: positionals.slice(1), quick, out }
  const passRows = integer('pass-rows', v['pass-rows'], 0)
  const harness: HarnessOptions = {
    quick,
    paths: positionals.map((p) => resolve(cwd, p)),
    rows: integer('rows', v.rows, 1) ?? (quick ? 50_000 : 1_000_000),
    vectors: integer('vectors', v.vectors, 1) ?? (quick ? 20_000 : 100_000),
    dimension: integer('dimension', v.dimension, 1) ?? 128,
    formats: names('formats', v.formats, FORMATS) ?? FORMATS,
    comparisons: names<Comparison>('only', v.only, COMPARISONS) ?? COMPARISONS,
    batchSizes: numbers('batch-sizes', v['batch-sizes'], 1) ?? [1000, 10_000, 50_000],
    prefetchDepths: numbers('prefetch', v.prefetch, 0) ?? [0, 1, 2, 4, 8],
    runs: integer('runs', v.runs, 1) ?? (quick ? 1 : 3),
    warmup: integer('warmup', v.warmup, 0) ?? 1,
    workMsPer10k: workMs(v['work-ms']),
    repeatPasses: integer('repeat-passes', v['repeat-passes'], 1) ?? 2,
    cacheSizeMb: integer('cache-mb', v['cache-mb'], 1) ?? 1024,
    dataDir: v['data-dir'] ? resolve(cwd, v['data-dir']) : defaultDataDir(),
    command: ['sd-bench', ...argv].join(' '),
    parallel: integer('parallel', v.parallel, 1) ?? (quick ? Math.min(2, availableParallelism()) : 1),
  }
  const rows = passRows ?? (quick ? 0 : 200_000)
  if (rows > 0) harness.passRows = rows
  if (v.suites || (v.suite && v.suite.length > 0)) harness.suites = v.suite ?? []
  return { kind: 'run', harness, out }
}

function workMs(value: string | undefined): number {
  if (value === undefined) return 5
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--work-ms expects milliseconds >= 0, got "${value}"`)
  return n
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      rows: { type: 'string' },
      vectors: { type: 'string' },
      dimension: { type: 'string' },
      formats: { type: 'string' },
      only: { type: 'string' },
      'batch-sizes': { type: 'string' },
      prefetch: { type: 'string' },
      runs: { type: 'string' },
      parallel: { type: 'string' },
      warmup: { type: 'string' },
      'work-ms': { type: 'string' },
      'pass-rows': { type: 'string' },
      'repeat-passes': { type: 'string' },
      'cache-mb': { type: 'string' },
      suites: { type: 'boolean' },
      suite: { type: 'string', multiple: true },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  })
}
