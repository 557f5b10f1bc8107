/**
 * Ranks as real processes over 1M rows in 23 files: each computes its share from the unit list
 * alone (no coordinator), is killed mid-epoch and resumed from its last reported state, and 4
 * ranks are resumed as 3.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeIntFiles } from '../test-support/int-files.js'
import { devBundle } from '../workers/spawn.js'
import type { ShardOptions, ShuffleOptions } from './planned.js'
import type { DatasetState } from './state.js'

const TOTAL = 1_000_000
const FILES = 23
const UNIT_ROWS = 16_384
const BATCH = 1000
let dir: string
/** The rank script bundled once: a process then starts in ~0.2 s, against ~1-2 s under `--import tsx`. */
let script: string
let work = 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-ranks-'))
  await writeIntFiles(dir, TOTAL, FILES)
  script = fileURLToPath(await devBundle(new URL('../test-support/rank-process.ts', import.meta.url)))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

interface Report {
  rows?: number
  batches: number
  state: DatasetState
  done?: boolean
}

interface RankRun {
  /** The ids the rank received up to its last reported state. */
  ids: Int32Array
  /** Rows per batch, as reported. */
  batches: number[]
  last: Report
}

async function runRank(options: {
  shard: ShardOptions
  shuffle?: ShuffleOptions
  resume?: DatasetState | DatasetState[]
  pauseAfter?: number
}): Promise<RankRun> {
  const id = work++
  const out = join(dir, `out-${id}.bin`)
  let resume: string | undefined
  if (options.resume) {
    resume = join(dir, `resume-${id}.json`)
    await writeFile(resume, JSON.stringify(options.resume))
  }
  const args = { dir, out, unitRows: UNIT_ROWS, batchSize: BATCH, ...options, resume }
  const child = spawn(process.execPath, [script, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const reports: Report[] = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  for await (const line of createInterface({ input: child.stdout })) {
    const report = JSON.parse(line) as Report
    reports.push(report)
    // kill it mid-epoch, as a preemption would: it holds still after pauseAfter batches
    if (report.batches === options.pauseAfter && !report.done) child.kill('SIGKILL')
  }
  const code = await exited
  const last = reports.at(-1) as Report
  if (options.pauseAfter === undefined) expect(code).toBe(0)
  else expect(last.done).toBeUndefined()
  const written = new Int32Array((await readFile(out).catch(() => Buffer.alloc(0))).buffer.slice(0))
  return {
    ids: written.subarray(
      0,
      last.state.rows - (options.resume && !Array.isArray(options.resume) ? options.resume.rows : 0),
    ),
    batches: reports.filter((r) => r.rows !== undefined).map((r) => r.rows as number),
    last,
  }
}

function expectExactlyOnce(parts: Int32Array[]): void {
  const seen = new Uint8Array(TOTAL)
  let count = 0
  let twice = 0
  for (const ids of parts) {
    for (const id of ids) {
      if (seen[id] === 1) twice++
      seen[id] = 1
      count++
    }
  }
  expect({ count, twice }).toEqual({ count: TOTAL, twice: 0 })
}

describe('4 ranks as processes over 1M rows in 23 files', { timeout: 180_000 }, () => {
  it('split the dataset disjointly and completely, within one unit of each other', async () => {
    const ranks = await Promise.all([0, 1, 2, 3].map((rank) => runRank({ shard: { rank, worldSize: 4 } })))
    expectExactlyOnce(ranks.map((r) => r.ids))
    const counts = ranks.map((r) => r.ids.length)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(UNIT_ROWS)
    expect(new Set(ranks.map((r) => r.batches.length)).size).toBeGreaterThan(1)
  })

  it('yield equal batch counts with equalize', async () => {
    for (const equalize of ['drop', 'pad'] as const) {
      const ranks = await Promise.all(
        [0, 1, 2, 3].map((rank) =>
          runRank({ shard: { rank, worldSize: 4, equalize }, shuffle: { seed: 1, bufferSize: 10_000 } }),
        ),
      )
      const batches = ranks.map((r) => r.batches.length)
      expect(new Set(batches).size).toBe(1)
      const rows = ranks.map((r) => r.ids.length)
      expect(new Set(rows).size).toBe(1)
      // no row twice within a rank's own rows when dropping
      if (equalize === 'drop') for (const r of ranks) expect(new Set(r.ids).size).toBe(r.ids.length)
    }
  })

  it('resume a killed rank from its last state: the same rows as one uninterrupted run, shuffle on', async () => {
    const shard = { rank: 1, worldSize: 4 }
    const shuffle = { seed: 42, bufferSize: 10_000 }
    const whole = await runRank({ shard, shuffle })
    const killed = await runRank({ shard, shuffle, pauseAfter: 37 })
    expect(killed.last.state.rows).toBe(37 * BATCH)
    expect(killed.last.state.block).toBeDefined()
    const resumed = await runRank({ shard, shuffle, resume: killed.last.state })
    expect(Array.from(killed.ids).concat(Array.from(resumed.ids))).toEqual(Array.from(whole.ids))
    // another seed gives another order
    const other = await runRank({ shard, shuffle: { seed: 43, bufferSize: 10_000 } })
    expect(Array.from(other.ids)).not.toEqual(Array.from(whole.ids))
  })

  it('resume 4 killed ranks as 3: every remaining row exactly once', async () => {
    const shuffle = { seed: 7, bufferSize: 10_000 }
    const killed = await Promise.all(
      [0, 1, 2, 3].map((rank) =>
        runRank({ shard: { rank, worldSize: 4 }, shuffle, pauseAfter: 10 + rank * 25 }),
      ),
    )
    const states = killed.map((k) => k.last.state)
    const resumed = await Promise.all(
      [0, 1, 2].map((rank) => runRank({ shard: { rank, worldSize: 3 }, shuffle, resume: states })),
    )
    expectExactlyOnce([...killed.map((k) => k.ids), ...resumed.map((r) => r.ids)])
  })
})
