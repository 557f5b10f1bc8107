import { join } from 'node:path'
import { type DatasetState, type DataUnit, RecordBatch, type StreamingDataset } from '@sd/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadCar } from './load.js'
import { type CarDatasetStats, CarStreamingLoader } from './loader.js'
import type { FileManifest } from './manifest.js'
import { packFile } from './pack.js'
import { duckdb } from './test-support/duckdb.js'
import { tempDir } from './test-support/files.js'
import { writeCar } from './write-car.js'

const dir = tempDir()
const MiB = 1 << 20
const GROUP_ROWS = 61_440
const GROUPS = 12
const ROWS = GROUP_ROWS * GROUPS
const parquetCar = join(dir, 'pq.car')
const csvCar = join(dir, 'csv.car')
const storedCar = join(dir, 'stored.car')
const STORED_BATCHES = 10
const STORED_ROWS = 1000
let pq: FileManifest
let root: string
let csv: FileManifest

beforeAll(async () => {
  const parquet = join(dir, 't.parquet')
  const text = join(dir, 't.csv')
  // about 1 MB per row group: doubles do not compress
  await duckdb(
    `CREATE TABLE t AS SELECT i::BIGINT AS id, random() AS r FROM range(${ROWS}) r(i)`,
    `COPY t TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE ${GROUP_ROWS}, COMPRESSION uncompressed)`,
    `COPY (SELECT id, repeat(chr(97 + (id % 26)::INTEGER), 100) AS label FROM t WHERE id < 50000) TO '${text}' (HEADER)`,
  )
  const packed = await packFile(parquet, parquetCar)
  pq = packed.manifest as FileManifest
  root = packed.root.toString()
  csv = (await packFile(text, csvCar, { batchRows: 4000 })).manifest as FileManifest
  const batches = Array.from({ length: STORED_BATCHES }, (_, b) =>
    RecordBatch.fromColumns({
      id: Int32Array.from({ length: STORED_ROWS }, (_, i) => b * STORED_ROWS + i),
      name: Array.from({ length: STORED_ROWS }, (_, i) => `n${b * STORED_ROWS + i}`),
    }),
  )
  await writeCar(batches, storedCar)
}, 120_000)

type Stats = CarDatasetStats
interface Pass {
  ids: number[]
  batches: number
  state: DatasetState | undefined
}

async function pass(
  ds: StreamingDataset<Record<string, unknown>, Stats>,
  stopAfter = Infinity,
): Promise<Pass> {
  const ids: number[] = []
  let batches = 0
  let state: DatasetState | undefined
  for await (const batch of ds) {
    for (const v of batch.column('id') as Iterable<number | bigint>) ids.push(Number(v))
    batches++
    state = ds.state()
    if (batches >= stopAfter) break
  }
  return { ids, batches, state }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/**
 * Where `ids` first differ from `expected` (index and both ids, or the lengths), or `undefined`:
 * a plain loop, where toEqual over 700k numbers took ~0.7 s.
 */
function idsDifference(ids: readonly number[], expected: readonly number[]): string | undefined {
  const n = Math.min(ids.length, expected.length)
  for (let i = 0; i < n; i++)
    if (ids[i] !== expected[i]) return `id ${ids[i]} at ${i}, expected ${expected[i]}`
  return ids.length === expected.length ? undefined : `${ids.length} ids, expected ${expected.length}`
}

/**
 * How `ids` fail to hold each of `0..n-1` exactly once (an id out of range, twice, or missing), or
 * `undefined`: what sorting them and comparing with `range(n)` checks, without the sort.
 */
function notEachOnce(ids: readonly number[], n: number): string | undefined {
  const seen = new Uint8Array(n)
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= n) return `id ${id} is not in 0..${n - 1}`
    if (seen[id] === 1) return `id ${id} twice`
    seen[id] = 1
  }
  const missing = seen.indexOf(0)
  return missing === -1 ? undefined : `id ${missing} missing`
}

/** Indexes of the 1 MiB leaves bytes `[start, end)` lie in. */
function leaves(start: number, end: number): number[] {
  const out: number[] = []
  for (let i = Math.floor(start / MiB); i <= Math.floor((end - 1) / MiB); i++) out.push(i)
  return out
}

/** The manifest batches whose rows `ids` hold (each wholly, as units are read whole). */
function groupsOf(ids: number[], manifest: FileManifest): number[] {
  return manifest.batches.flatMap((b, g) => (ids.includes(b.rowStart) ? [g] : []))
}

describe('a packed Parquet file: row groups as units', () => {
  it('lists the manifest row groups as units (rows and bytes from the manifest), reads one from an offset', async () => {
    const loader = new CarStreamingLoader(parquetCar, { columns: ['id'] })
    const units = await loader.listUnits()
    expect(units).toHaveLength(GROUPS)
    expect(units[3]).toEqual({
      id: `${root}#3`,
      rows: GROUP_ROWS,
      bytes: (pq.batches[3]?.byteEnd as number) - (pq.batches[3]?.byteStart as number),
    })
    const source = loader.unitSource() as NonNullable<ReturnType<CarStreamingLoader['unitSource']>>
    const ids: number[] = []
    for await (const batch of source.pass(
      (ctx) => source.readUnit(units[3] as DataUnit, 100, ctx),
      undefined,
    ))
      for (const v of batch.column('id') as BigInt64Array) ids.push(Number(v))
    expect(ids).toEqual(range(GROUP_ROWS - 100).map((i) => 3 * GROUP_ROWS + 100 + i))
    const only = await new CarStreamingLoader(parquetCar, { batches: [2, 7] }).listUnits()
    expect(only.map((u) => u.id)).toEqual([`${root}#2`, `${root}#7`])
    const filtered = await new CarStreamingLoader(parquetCar, {
      parquet: { filters: [['id', '<', 10]] },
    }).listUnits()
    expect(filtered[0]?.rows).toBeUndefined()
    await expect(async () => {
      for await (const _ of source.pass((ctx) => source.readUnit({ id: 'bafyother#1' }, 0, ctx), undefined));
    }).rejects.toMatchObject({ code: 'STATE_MISMATCH' })
  })

  it('3 ranks: disjoint, covering, balanced within one row group, each fetching only its row groups', async () => {
    const ranks = await Promise.all(
      [0, 1, 2].map(async (rank) => {
        const base = loadCar(parquetCar, { batchSize: 20_000, cacheEnabled: false })
        const result = await pass(base.shard({ rank, worldSize: 3 }))
        return { ...result, blocks: base.getStats().car.blocksRead }
      }),
    )
    expect(
      notEachOnce(
        ranks.flatMap((r) => r.ids),
        ROWS,
      ),
    ).toBeUndefined()
    const counts = ranks.map((r) => r.ids.length)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(GROUP_ROWS)
    const size = pq.byteLength
    const footer = leaves(Math.max(0, size - 64 * 1024), size)
    for (const rank of ranks) {
      const groups = groupsOf(rank.ids, pq)
      expect(groups.length * GROUP_ROWS).toBe(rank.ids.length)
      // each unit opens the file on its own: its row group's leaves and the footer's
      const expected = groups.reduce((n, g) => {
        const b = pq.batches[g] as FileManifest['batches'][number]
        return n + new Set([...leaves(b.byteStart, b.byteEnd), ...footer]).size
      }, 0)
      expect(rank.blocks).toBe(expected)
    }
  })

  it('shuffles the row groups and the rows by seed: the same order twice, every row once', async () => {
    const shuffled = (seed: number, epoch = 0) =>
      loadCar(parquetCar, { batchSize: 25_000, columns: ['id'] })
        .shuffle({ seed, bufferSize: 30_000 })
        .setEpoch(epoch)
    const a = (await pass(shuffled(5))).ids
    expect(idsDifference((await pass(shuffled(5))).ids, a)).toBeUndefined()
    expect(notEachOnce(a, ROWS)).toBeUndefined()
    // the first rows come from a permuted row group order, not from the first row groups
    expect(Math.max(...a.slice(0, 30_000))).toBeGreaterThanOrEqual(2 * GROUP_ROWS)
    expect(idsDifference((await pass(shuffled(6))).ids, a)).toBeDefined()
    const epoch1 = (await pass(shuffled(5, 1))).ids
    expect(idsDifference(epoch1, a)).toBeDefined()
    expect(notEachOnce(epoch1, ROWS)).toBeUndefined()
  })

  it('resumes a shuffled rank exactly from its state', async () => {
    const make = () =>
      loadCar(parquetCar, { batchSize: 16_000, columns: ['id'] })
        .shard({ rank: 1, worldSize: 2 })
        .shuffle({ seed: 9, bufferSize: 40_000 })
    const whole = await pass(make())
    const before = await pass(make(), 5)
    const after = await pass(make().resume(before.state as DatasetState))
    expect(idsDifference([...before.ids, ...after.ids], whole.ids)).toBeUndefined()
  })
})

describe('a packed CSV file: line ranges as units', () => {
  it('2 ranks cover the file once, each reading only its line ranges', async () => {
    const ranks = await Promise.all(
      [0, 1].map(async (rank) => {
        const base = loadCar(csvCar, { batchSize: 3000 })
        const result = await pass(base.shard({ rank, worldSize: 2 }))
        return { ...result, bytes: base.getStats().car.bytesRead }
      }),
    )
    expect(csv.batches.length).toBeGreaterThan(10)
    expect(
      notEachOnce(
        ranks.flatMap((r) => r.ids),
        50_000,
      ),
    ).toBeUndefined()
    const size = csv.byteLength
    const leafBytes = (leaf: number) => Math.min(MiB, size - leaf * MiB)
    for (const rank of ranks) {
      // per unit: the leaves of its line range and of the header (the first leaf)
      const expected = groupsOf(rank.ids, csv).reduce((n, g) => {
        const b = csv.batches[g] as FileManifest['batches'][number]
        const set = new Set([0, ...leaves(b.byteStart, b.byteEnd)])
        return n + [...set].reduce((m, leaf) => m + leafBytes(leaf), 0)
      }, 0)
      expect(rank.bytes).toBe(expected)
    }
  })

  it('equalizes batch counts when the CSV options make row counts unknown (counted by a read)', async () => {
    const counts = await Promise.all(
      [0, 1, 2].map(async (rank) => {
        const ds = loadCar(csvCar, { batchSize: 1000, csv: { delimiter: ',' } }).shard({
          rank,
          worldSize: 3,
          equalize: 'drop',
        })
        return (await pass(ds)).batches
      }),
    )
    expect(new Set(counts).size).toBe(1)
  })
})

describe('the batch layout: stored batches as units', () => {
  it('3 ranks: disjoint, covering, balanced, each fetching only its batches blocks', async () => {
    const ranks = await Promise.all(
      [0, 1, 2].map(async (rank) => {
        const base = loadCar(storedCar, { batchSize: 400 })
        const result = await pass(base.shard({ rank, worldSize: 3 }))
        return { ...result, blocks: base.getStats().car.blocksRead }
      }),
    )
    const all = STORED_BATCHES * STORED_ROWS
    expect(
      notEachOnce(
        ranks.flatMap((r) => r.ids),
        all,
      ),
    ).toBeUndefined()
    const counts = ranks.map((r) => r.ids.length)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(STORED_ROWS)
    // two column blocks per stored batch, nothing else
    for (const rank of ranks) expect(rank.blocks).toBe((rank.ids.length / STORED_ROWS) * 2)
  })

  it('shuffles stored batches by seed', async () => {
    const run = () =>
      pass(loadCar(storedCar, { batchSize: 250, columns: ['id'] }).shuffle({ seed: 1, bufferSize: 1500 }))
    const a = (await run()).ids
    expect((await run()).ids).toEqual(a)
    expect(notEachOnce(a, STORED_BATCHES * STORED_ROWS)).toBeUndefined()
    expect(a).not.toEqual(range(STORED_BATCHES * STORED_ROWS))
    // stored batches are read in a permuted order, not only rows permuted within a buffer
    expect(Math.max(...a.slice(0, 1500))).toBeGreaterThanOrEqual(2 * STORED_ROWS)
  })
})
