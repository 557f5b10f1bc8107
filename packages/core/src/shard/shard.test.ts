import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StreamingDataset } from '../dataset.js'
import { SdError } from '../errors.js'
import { RecordBatch } from '../record-batch.js'
import { IntFilesLoader, writeIntFiles } from '../test-support/int-files.js'
import type { DatasetState } from './state.js'

const TOTAL = 50_000
const UNIT = 3_000
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-shard-'))
  await writeIntFiles(dir, TOTAL, 7)
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const dataset = (batchSize = 1000) => new IntFilesLoader(dir, { batchSize, unitRows: UNIT }).toDataset()

async function ids(ds: StreamingDataset<{ id: number }>, stopAfter = Number.POSITIVE_INFINITY) {
  const out: number[] = []
  const batches: number[] = []
  let state: DatasetState | undefined
  for await (const batch of ds) {
    out.push(...(batch.column('id') as Int32Array))
    batches.push(batch.numRows)
    state = ds.state()
    if (batches.length >= stopAfter) break
  }
  return { ids: out, batches, state }
}

function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b)
}

const everyId = Array.from({ length: TOTAL }, (_, i) => i)

describe('shard', () => {
  it.each([1, 2, 3, 4, 7])(
    'splits %i ways: disjoint, covering, within one unit of each other',
    async (worldSize) => {
      const parts = await Promise.all(
        Array.from({ length: worldSize }, (_, rank) => ids(dataset().shard({ rank, worldSize }))),
      )
      expect(sorted(parts.flatMap((p) => p.ids))).toEqual(everyId)
      const counts = parts.map((p) => p.ids.length)
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(UNIT)
      // batches are cut at exactly batchSize rows, across unit boundaries
      for (const p of parts) expect(p.batches.slice(0, -1).every((n) => n === 1000)).toBe(true)
    },
  )

  it('reads RANK and WORLD_SIZE from the environment', async () => {
    const saved = { RANK: process.env.RANK, WORLD_SIZE: process.env.WORLD_SIZE }
    process.env.RANK = '2'
    process.env.WORLD_SIZE = '3'
    try {
      const fromEnv = await ids(dataset().shard())
      const explicit = await ids(dataset().shard({ rank: 2, worldSize: 3 }))
      expect(fromEnv.ids).toEqual(explicit.ids)
      expect(fromEnv.ids.length).toBeGreaterThan(0)
      expect(fromEnv.ids.length).toBeLessThan(TOTAL)
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
    }
  })

  it('equalizes: drop cuts every rank to the shortest, pad repeats the first rows up to the longest', async () => {
    const worldSize = 4
    const drop = await Promise.all(
      Array.from({ length: worldSize }, (_, rank) =>
        ids(dataset().shard({ rank, worldSize, equalize: 'drop' })),
      ),
    )
    const plain = await Promise.all(
      Array.from({ length: worldSize }, (_, rank) => ids(dataset().shard({ rank, worldSize }))),
    )
    const min = Math.min(...plain.map((p) => p.ids.length))
    const max = Math.max(...plain.map((p) => p.ids.length))
    expect(min).toBeLessThan(max)
    expect(drop.map((p) => p.batches.length)).toEqual(new Array(worldSize).fill(Math.ceil(min / 1000)))
    for (const [r, p] of drop.entries()) expect(p.ids).toEqual(plain[r]?.ids.slice(0, min))
    const pad = await Promise.all(
      Array.from({ length: worldSize }, (_, rank) =>
        ids(dataset().shard({ rank, worldSize, equalize: 'pad' })),
      ),
    )
    expect(pad.map((p) => p.ids.length)).toEqual(new Array(worldSize).fill(max))
    expect(pad.map((p) => p.batches.length)).toEqual(new Array(worldSize).fill(Math.ceil(max / 1000)))
    pad.forEach((p, r) => {
      const own = plain[r]?.ids ?? []
      expect(p.ids.slice(0, own.length)).toEqual(own)
      // the padding repeats the epoch's first rows
      expect(p.ids.slice(own.length)).toEqual(everyId.slice(0, max - own.length))
    })
  })

  it('splits a rank among threads as a second level', async () => {
    const parts = await Promise.all(
      [0, 1].flatMap((rank) =>
        [0, 1, 2].map((thread) =>
          ids(dataset().shard({ rank, worldSize: 2 }).shard({ rank: thread, worldSize: 3 })),
        ),
      ),
    )
    expect(sorted(parts.flatMap((p) => p.ids))).toEqual(everyId)
    const rank0 = await ids(dataset().shard({ rank: 0, worldSize: 2 }))
    expect(sorted(parts.slice(0, 3).flatMap((p) => p.ids))).toEqual(sorted(rank0.ids))
  })
})

describe('shuffle', () => {
  it('gives the same order for one seed, another for another epoch, every row once per epoch', async () => {
    const a = dataset().shuffle({ seed: 7, bufferSize: 5000 })
    const first = await ids(a)
    const again = await ids(dataset().shuffle({ seed: 7, bufferSize: 5000 }))
    expect(again.ids).toEqual(first.ids)
    expect(sorted(first.ids)).toEqual(everyId)
    expect(first.ids).not.toEqual(everyId)
    a.setEpoch(1)
    expect(a.epoch).toBe(1)
    const second = await ids(a)
    expect(sorted(second.ids)).toEqual(everyId)
    expect(second.ids).not.toEqual(first.ids)
    const otherSeed = await ids(dataset().shuffle({ seed: 8, bufferSize: 5000 }))
    expect(otherSeed.ids).not.toEqual(first.ids)
  })

  it('mixes rows across units within the buffer, and keeps memory to one buffer', async () => {
    const batchSize = 1000
    const bufferSize = 6000
    // no read-ahead queue, so every row read from the files and not yet handed over is held by the
    // shuffle: the source counts 4 bytes per row read, at the moment each batch comes out
    const loader = new IntFilesLoader(dir, { batchSize, unitRows: UNIT, prefetchBatches: 0 })
    const ds = loader.toDataset().shuffle({ seed: 1, bufferSize })
    const order: number[] = []
    const held: number[] = []
    for await (const batch of ds) {
      held.push((ds.getStats().throughput?.totalBytes ?? 0) / 4 - order.length)
      order.push(...(batch.column('id') as Int32Array))
    }
    expect(sorted(order)).toEqual(everyId)
    // the whole first block is read before its first row goes out ...
    expect(held[0]).toBeGreaterThanOrEqual(bufferSize)
    // ... and never more than that block, the rest of the last batch read and the first batch of
    // the unit read ahead
    expect(Math.max(...held)).toBeLessThanOrEqual(bufferSize + 2 * batchSize)
    // the first 6000 rows out come from two units, interleaved
    const units = new Set(order.slice(0, 6000).map((id) => Math.floor(id / UNIT)))
    expect(units.size).toBeGreaterThanOrEqual(2)
    const inOrder = order.slice(0, 1000).every((v, i, arr) => i === 0 || v > (arr[i - 1] as number))
    expect(inOrder).toBe(false)
  })

  it('shuffles each rank of a sharded dataset, still disjoint and covering', async () => {
    const parts = await Promise.all(
      [0, 1, 2].map((rank) =>
        ids(dataset().shard({ rank, worldSize: 3 }).shuffle({ seed: 3, bufferSize: 2000 })),
      ),
    )
    expect(sorted(parts.flatMap((p) => p.ids))).toEqual(everyId)
  })
})

describe('state and resume', () => {
  const configs = [
    { name: 'in order', make: () => dataset().shard({ rank: 1, worldSize: 3 }) },
    {
      name: 'shuffled',
      make: () => dataset().shard({ rank: 1, worldSize: 3 }).shuffle({ seed: 11, bufferSize: 2500 }),
    },
    {
      name: 'shuffled and padded',
      make: () =>
        dataset().shard({ rank: 2, worldSize: 4, equalize: 'pad' }).shuffle({ seed: 5, bufferSize: 2000 }),
    },
    {
      name: 'dropped',
      make: () =>
        dataset().shard({ rank: 3, worldSize: 4, equalize: 'drop' }).shuffle({ seed: 5, bufferSize: 4000 }),
    },
  ]

  it.each(configs)('rows before + after a checkpoint equal one pass ($name)', async ({ make }) => {
    const whole = await ids(make())
    for (const stop of [1, 3, whole.batches.length - 1]) {
      const before = await ids(make(), stop)
      const state = JSON.parse(JSON.stringify(before.state)) as DatasetState
      expect(JSON.stringify(state).length).toBeLessThan(600)
      const after = await ids(make().resume(state))
      expect([...before.ids, ...after.ids]).toEqual(whole.ids)
    }
  })

  it('resumes in a later epoch from its state, and a state at the end yields nothing', async () => {
    const ds = dataset().shuffle({ seed: 2, bufferSize: 3000 })
    ds.setEpoch(3)
    const whole = await ids(ds)
    const end = ds.state()
    expect(end.rows).toBe(TOTAL)
    const before = await ids(dataset().shuffle({ seed: 2, bufferSize: 3000 }).setEpoch(3), 10)
    const resumed = dataset()
      .shuffle({ seed: 2, bufferSize: 3000 })
      .resume(before.state as DatasetState)
    expect(resumed.epoch).toBe(3)
    expect([...before.ids, ...(await ids(resumed)).ids]).toEqual(whole.ids)
    expect((await ids(dataset().shuffle({ seed: 2, bufferSize: 3000 }).resume(end))).ids).toEqual([])
  })

  it('state() follows the batches the consumer received, not those read ahead', async () => {
    const ds = new IntFilesLoader(dir, { batchSize: 1000, unitRows: UNIT, prefetchBatches: 4 })
      .toDataset()
      .shard()
    let n = 0
    for await (const _batch of ds) {
      n++
      await new Promise((r) => setTimeout(r, 2))
      expect(ds.state().rows).toBe(n * 1000)
      if (n === 5) break
    }
  })

  it.each([
    { name: 'in order', shuffle: undefined },
    { name: 'shuffled', shuffle: { seed: 9, bufferSize: 2000 } },
  ])('resumes 4 ranks as 3, then as 2: every row exactly once ($name)', async ({ shuffle }) => {
    const make = (rank: number, worldSize: number) => {
      const ds = dataset().shard({ rank, worldSize })
      return shuffle ? ds.shuffle(shuffle) : ds
    }
    const seen: number[] = []
    const states4: DatasetState[] = []
    for (let rank = 0; rank < 4; rank++) {
      const part = await ids(make(rank, 4), 1 + rank * 2)
      seen.push(...part.ids)
      states4.push(part.state as DatasetState)
    }
    const states3: DatasetState[] = []
    for (let rank = 0; rank < 3; rank++) {
      const part = await ids(make(rank, 3).resume(states4), 2 + rank)
      seen.push(...part.ids)
      states3.push(part.state as DatasetState)
    }
    // an elastic state resumes exactly too
    const exact = await ids(make(1, 3).resume(states3[1] as DatasetState))
    const again = await ids(make(1, 3).resume(states3[1] as DatasetState))
    expect(again.ids).toEqual(exact.ids)
    for (let rank = 0; rank < 2; rank++) seen.push(...(await ids(make(rank, 2).resume(states3))).ids)
    expect(sorted(seen)).toEqual(everyId)
  })

  it('refuses states of another seed, an incomplete set, other data, and datasets that are not planned', async () => {
    const part = await ids(
      dataset().shard({ rank: 0, worldSize: 2 }).shuffle({ seed: 1, bufferSize: 1000 }),
      2,
    )
    const state = part.state as DatasetState
    expect(() =>
      dataset().shard({ rank: 0, worldSize: 2 }).shuffle({ seed: 2, bufferSize: 1000 }).resume(state),
    ).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }))
    await expect(
      ids(dataset().shard({ rank: 0, worldSize: 3 }).shuffle({ seed: 1, bufferSize: 1000 }).resume([state])),
    ).rejects.toMatchObject({
      code: 'INCOMPLETE_STATES',
    })
    const other = new IntFilesLoader(dir, { batchSize: 1000, unitRows: UNIT + 1 }).toDataset()
    await expect(
      ids(other.shard({ rank: 0, worldSize: 2 }).shuffle({ seed: 1, bufferSize: 1000 }).resume(state)),
    ).rejects.toMatchObject({
      code: 'STATE_MISMATCH',
    })
    expect(() => dataset().state()).toThrow(expect.objectContaining({ code: 'NOT_PLANNED' }))
    expect(() => dataset().resume({} as DatasetState)).toThrow(SdError)
    expect(() => dataset().shard({ rank: 2, worldSize: 2 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    )
  })
})

describe('other sources', () => {
  const rows = Array.from({ length: 2345 }, (_, id) => ({ id }))

  it('shards and shuffles an array of rows by slices, and pushes shard below map and filter', async () => {
    const ds = StreamingDataset.from(rows, { batchSize: 100 })
    const parts = await Promise.all(
      [0, 1, 2].map((rank) =>
        ds.shard({ rank, worldSize: 3 }).shuffle({ seed: 4, bufferSize: 300 }).toArray(),
      ),
    )
    expect(sorted(parts.flat().map((r) => r.id))).toEqual(rows.map((r) => r.id))
    const mapped = ds
      .map((b) =>
        RecordBatch.fromColumns<{ id: number }>({
          id: Int32Array.from(b.column('id') as ArrayLike<number>, (v) => v * 2),
        }),
      )
      .filter((r) => r.id % 4 === 0, { batched: false })
    const viaMap = await mapped.shard({ rank: 1, worldSize: 2 }).toArray()
    const direct = (await ds.shard({ rank: 1, worldSize: 2 }).toArray())
      .filter((r) => r.id % 2 === 0)
      .map((r) => ({ id: r.id * 2 }))
    expect(viaMap).toEqual(direct)
  })

  it('shards a generator source in order, reading it as a stream, and resumes it', async () => {
    const source = () =>
      (async function* () {
        for (let i = 0; i < 20; i++)
          yield RecordBatch.fromColumns({ id: Int32Array.from({ length: 50 }, (_, j) => i * 50 + j) })
      })()
    const ds = StreamingDataset.from(source, { batchSize: 50 })
    const parts = await Promise.all(
      [0, 1].map((rank) => ids(ds.shard({ rank, worldSize: 2 }) as StreamingDataset<{ id: number }>)),
    )
    expect(sorted(parts.flatMap((p) => p.ids))).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    const make = () =>
      ds.shard({ rank: 1, worldSize: 2 }).shuffle({ seed: 1, bufferSize: 120 }) as StreamingDataset<{
        id: number
      }>
    const whole = await ids(make())
    const before = await ids(make(), 3)
    const after = await ids(make().resume(before.state as DatasetState))
    expect([...before.ids, ...after.ids]).toEqual(whole.ids)
  })
})
