/**
 * Cluster-scale streaming: ranks as processes reading Parquet objects from a local S3-compatible
 * server (s3rver behind a front that checks every AWS Signature V4, in its own process), every
 * value touched.
 *
 * - Scaling: 2 ranks (`shard({ rank, worldSize: 2 })`, one process each) against 1 rank reading
 *   everything; aggregate throughput = all rows / (last end - first start). Target >= 1.7x.
 * - Shuffle: one rank with `shuffle({ seed, bufferSize: 10_000 })` against the same rank without
 *   shuffle. Target: at most 15% less throughput (ratio >= 0.85).
 * Runs alternate (1 rank, 2 ranks, shuffled, plain...) and each ratio is the median of per-round
 * ratios. The machine has 2 cores: the S3 server shares them with the ranks.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import { startS3Server } from '@sd/core/testing'
import { defaultDataDir, parquetFile } from '../lib/data.ts'
import { type Measurement, machineInfo, ratioCheck, type Suite } from '../lib/suite.ts'
import { median } from '../lib/timing.ts'

interface RankReport {
  rows: number
  start: number
  end: number
  sink: number
  /** CPU time (user + system) the rank spent from `go` to its report. */
  cpuMs: number
}

/** A run's reports and the S3 server's CPU seconds over the run (undefined off Linux). */
interface Run {
  reports: RankReport[]
  serverCpu: number | undefined
}

/** User + system CPU seconds of a process so far, from `/proc` (undefined where there is none). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime and stime, in clock ticks (100 per second on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

const rankScript = new URL('./rank.ts', import.meta.url).pathname

/** Starts `worldSize` rank processes, lets them all go at once, and returns their reports. */
async function runRanks(
  base: {
    prefix: string
    s3: ReturnType<Awaited<ReturnType<typeof startS3Server>>['s3Options']>
    batchSize: number
  },
  worldSize: number,
  bufferSize: number | undefined,
  serverPid: number | undefined,
): Promise<Run> {
  const children: { child: ChildProcess; lines: AsyncIterator<string> }[] = []
  for (let rank = 0; rank < worldSize; rank++) {
    const args = JSON.stringify({ ...base, rank, worldSize, bufferSize })
    const child = spawn(process.execPath, ['--conditions=@sd/source', '--import', 'tsx', rankScript, args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    children.push({
      child,
      lines: createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator](),
    })
  }
  for (const { lines } of children) {
    const ready = await lines.next()
    if (ready.value !== 'ready') throw new Error(`a rank did not start: ${String(ready.value)}`)
  }
  const serverBefore = processCpuSeconds(serverPid)
  for (const { child } of children) child.stdin?.write('go\n')
  const reports: RankReport[] = []
  for (const { child, lines } of children) {
    const line = await lines.next()
    if (line.done) throw new Error('a rank exited without a report')
    reports.push(JSON.parse(line.value) as RankReport)
    child.stdin?.end()
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))
  }
  const serverAfter = processCpuSeconds(serverPid)
  const serverCpu =
    serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore
  return { reports, serverCpu }
}

/** Rows per second of a run: every rank's rows over the span from the first start to the last end. */
function throughput({ reports }: Run): number {
  const rows = reports.reduce((a, r) => a + r.rows, 0)
  const span = Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start))
  return rows / (span / 1000)
}

/**
 * Where the CPU went in the 1-rank and 2-rank runs (medians over rounds), and the best ratio those
 * CPU seconds allow on this machine's cores: 2 ranks cannot end sooner than all the CPU time of
 * their run (ranks and server) spread evenly over the cores, nor sooner than their busiest rank.
 */
function cpuSplit(one: Run[], two: Run[], target: number): string[] {
  const cores = machineInfo().cpus
  const wall = (run: Run) =>
    (Math.max(...run.reports.map((r) => r.end)) - Math.min(...run.reports.map((r) => r.start))) / 1000
  const rankCpu = (run: Run) => run.reports.map((r) => r.cpuMs / 1000)
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  if (one.some((r) => r.serverCpu === undefined) || two.some((r) => r.serverCpu === undefined)) return []
  // 2 ranks cannot end before all their run's CPU time (ranks and server) spread over the cores;
  // a rank alone is not bounded by its CPU time (V8 compiles and collects garbage on other threads)
  const ceilings = one.map((r1, i) => {
    const r2 = two[i] as Run
    return wall(r1) / ((sum(rankCpu(r2)) + (r2.serverCpu ?? 0)) / cores)
  })
  const m = (f: (r: Run) => number, runs: Run[]) => median(runs.map(f)).toFixed(2)
  const perRank2 = median(two.map((r) => sum(rankCpu(r)) / r.reports.length))
  const fixed = 2 * perRank2 - median(one.map((r) => sum(rankCpu(r))))
  const ceiling = median(ceilings)
  return [
    `CPU seconds per run (medians): 1 rank ${m((r) => sum(rankCpu(r)), one)} in the rank + ${m((r) => r.serverCpu ?? 0, one)} in the S3 server over ${m(wall, one)} s; 2 ranks ${m((r) => sum(rankCpu(r)), two)} in the ranks + ${m((r) => r.serverCpu ?? 0, two)} in the server over ${m(wall, two)} s. About ${fixed.toFixed(2)} s of a rank's CPU does not shrink with its share of rows (a fresh process: its listing, every object's footer, and code V8 has not optimized yet; in a second pass over the data in the same process the ranks' CPU halves with their rows).`,
    ceiling < target
      ? `With the server on the same ${cores} cores, those CPU seconds cap the 2-rank / 1-rank ratio at about ${ceiling.toFixed(2)} (the 1-rank time over the 2-rank run's CPU seconds spread evenly over ${cores} cores, as if nothing else ran), below the ${target} target: the target is out of reach on this machine, not only missed.`
      : `Those CPU seconds would allow a 2-rank / 1-rank ratio of about ${ceiling.toFixed(2)} (the 1-rank time over the 2-rank run's CPU seconds spread evenly over ${cores} cores).`,
  ]
}

export const clusterSuite: Suite = async (options) => {
  const log = options.log ?? (() => undefined)
  const dataDir = options.dataDir ?? defaultDataDir()
  // 8M rows: a rank's fixed cost (0.6-1.3 CPU s for a fresh process's listing, footers and cold
  // code) was a third or more of a 2M-row run and hid how reading scales
  const files = options.quick ? 4 : 32
  const rowsPerFile = options.quick ? 50_000 : 250_000
  const rowGroupSize = options.quick ? 12_500 : 25_000
  const rounds = options.quick ? 2 : 5
  const total = files * rowsPerFile
  const dataset = `${total / 1e6}M rows, ${files} Parquet objects, ${(files * rowsPerFile) / rowGroupSize} row groups`

  const loadBefore = loadavg()[0] ?? 0
  log(`writing ${dataset}`)
  const paths: string[] = []
  for (let f = 0; f < files; f++)
    paths.push(await parquetFile(dataDir, rowsPerFile, rowGroupSize, f * rowsPerFile))
  const server = await startS3Server({ buckets: ['bench'] })
  try {
    for (const [f, path] of paths.entries())
      await server.put(
        'bench',
        `cluster/part-${String(f).padStart(3, '0')}-${basename(path)}`,
        await readFile(path),
      )
    const base = { prefix: 's3://bench/cluster/', s3: server.s3Options(), batchSize: 10_000 }

    const one: number[] = []
    const two: number[] = []
    const shuffled: number[] = []
    const scaling: number[] = []
    const shuffleCost: number[] = []
    const cpu1: Run[] = []
    const cpu2: Run[] = []
    for (let round = 0; round < rounds; round++) {
      log(`round ${round + 1}/${rounds}`)
      const r1 = await runRanks(base, 1, undefined, server.pid)
      const r2 = await runRanks(base, 2, undefined, server.pid)
      const rs = await runRanks(base, 1, 10_000, server.pid)
      cpu1.push(r1)
      cpu2.push(r2)
      for (const run of [r1, r2, rs]) {
        const rows = run.reports.reduce((a, r) => a + r.rows, 0)
        if (rows !== total) throw new Error(`a run read ${rows} rows, expected ${total}`)
      }
      one.push(throughput(r1))
      two.push(throughput(r2))
      shuffled.push(throughput(rs))
      scaling.push(throughput(r2) / throughput(r1))
      shuffleCost.push(throughput(rs) / throughput(r1))
    }
    const cpuNote = cpuSplit(cpu1, cpu2, 1.7)
    const measure = (name: string, values: number[], extra: Record<string, number | string>): Measurement => {
      const rps = median(values)
      return { name, dataset, seconds: total / rps, recordsPerSecond: rps, extra }
    }
    return {
      suite: 'cluster',
      ranAt: new Date().toISOString(),
      machine: machineInfo(),
      command: `pnpm --filter @sd/benchmarks bench cluster${options.quick ? ' --quick' : ''}`,
      measurements: [
        measure('1 rank reads everything from S3', one, { ranks: 1 }),
        measure('2 ranks, shard({ rank, worldSize: 2 }), aggregate', two, { ranks: 2 }),
        measure('1 rank, shuffle({ bufferSize: 10_000 })', shuffled, { ranks: 1, bufferSize: 10_000 }),
      ],
      ratios: [
        ratioCheck('2 ranks / 1 rank aggregate throughput (median of per-round ratios)', median(scaling), {
          min: 1.7,
        }),
        ratioCheck(
          'shuffled / unshuffled throughput, 10,000-row buffer (median of per-round ratios)',
          median(shuffleCost),
          {
            min: 0.85,
          },
        ),
      ],
      notes: [
        "Each rank is a fresh process that starts reading when the parent says go; a run is timed from the first rank's start to the last rank's end.",
        'The S3 server (s3rver behind a SigV4-checking front, one process) runs on the same 2 cores as the ranks; every request is signed and checked.',
        ...cpuNote,
        `Per-round ratios, scaling: ${scaling.map((r) => r.toFixed(2)).join(', ')}; shuffle: ${shuffleCost.map((r) => r.toFixed(2)).join(', ')}.`,
        `Load average (1 min) before and after the run: ${loadBefore.toFixed(1)} and ${(loadavg()[0] ?? 0).toFixed(1)} on ${machineInfo().cpus} cores; ratios from a busy machine scatter and say little.`,
      ],
    }
  } finally {
    await server.close()
  }
}
