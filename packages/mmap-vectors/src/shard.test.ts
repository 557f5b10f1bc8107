import type { DatasetState, StreamingDataset } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { createMemoryMappedVectors, loadMemoryMappedVectors, loadVectors } from './load.js'
import { VectorLoader, type VectorRow } from './loader.js'
import { backends, eachTempDir, flat, skipBackend } from './test-support/fixtures.js'

const ROWS = 10_007
const DIM = 8
const ROW_BYTES = DIM * 4
// 500 rows per unit: 20 full units and one of 7 rows
const UNIT_ROWS = 500
const unitBytes = UNIT_ROWS * ROW_BYTES + 3

interface Pass {
  indexes: number[]
  batches: number
  state: DatasetState | undefined
}

/** The `index` column of a pass over a sharded or shuffled dataset, checking every vector against the one written at that index. */
async function pass(ds: StreamingDataset<VectorRow>, stopAfter = Number.POSITIVE_INFINITY): Promise<Pass> {
  const indexes: number[] = []
  let batches = 0
  let state: DatasetState | undefined
  for await (const batch of ds) {
    const index = batch.column('index') as Int32Array
    const values = batch.column('vector') as Float32Array
    for (let k = 0; k < batch.numRows; k++) {
      const want = flat(index[k] as number, 1, DIM)
      const got = values.subarray(k * DIM, (k + 1) * DIM)
      if (!got.every((v, j) => v === want[j])) throw new Error(`row ${index[k]} holds the wrong vector`)
    }
    indexes.push(...index)
    batches++
    state = ds.state()
    if (batches >= stopAfter) break
  }
  return { indexes, batches, state }
}

const sorted = (v: number[]) => [...v].sort((a, b) => a - b)
const every = Array.from({ length: ROWS }, (_, i) => i)

describe.each(backends)('$backend backend: row ranges as units', ({ backend }) => {
  const tmp = eachTempDir()
  const write = () => {
    const path = tmp.path('v.npy')
    createMemoryMappedVectors(path, { dimension: DIM, initialVectors: flat(0, ROWS, DIM), backend }).close()
    return path
  }

  describe.skipIf(skipBackend(backend))('loadVectors', () => {
    it('lists row ranges of unitBytes from the header, and reads one unit from a row offset', async () => {
      const path = write()
      const loader = new VectorLoader(
        () => ({ vectors: loadMemoryMappedVectors(path, { backend }), owned: true }),
        { unitBytes, batchSize: 128 },
      )
      const units = await loader.listUnits()
      expect(units).toHaveLength(21)
      expect(units[0]).toEqual({ id: 'v.npy@0', rows: UNIT_ROWS, bytes: UNIT_ROWS * ROW_BYTES })
      expect(units[1]?.id).toBe('v.npy@500')
      expect(units.at(-1)).toEqual({ id: 'v.npy@10000', rows: 7, bytes: 7 * ROW_BYTES })
      const source = loader.unitSource()
      expect(source).toBeDefined()
      const read: number[] = []
      for await (const batch of (source as NonNullable<typeof source>).pass(
        (ctx) =>
          (source as NonNullable<typeof source>).readUnit(units[3] as (typeof units)[number], 120, ctx),
        undefined,
      ))
        read.push(...(batch.column('index') as Int32Array))
      expect(read).toEqual(Array.from({ length: 380 }, (_, k) => 1620 + k))
    })

    it('shards are disjoint, cover the file, are balanced within one unit, and read only their units', async () => {
      const path = write()
      const worldSize = 3
      const ranks = await Promise.all(
        Array.from({ length: worldSize }, async (_, rank) => {
          const base = loadVectors(path, { unitBytes, backend, batchSize: 128, cacheEnabled: false })
          const result = await pass(base.shard({ rank, worldSize }))
          return { ...result, bytes: base.getStats().throughput?.totalBytes }
        }),
      )
      expect(sorted(ranks.flatMap((r) => r.indexes))).toEqual(every)
      const counts = ranks.map((r) => r.indexes.length)
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(UNIT_ROWS)
      for (const rank of ranks) {
        // bytes read are this rank's vectors only: no listing pass over the file, no other rank's rows
        expect(rank.bytes).toBe(rank.indexes.length * ROW_BYTES)
        // whole units: every run of consecutive indexes starts at a unit boundary
        for (const [k, i] of rank.indexes.entries()) {
          if (k === 0 || rank.indexes[k - 1] !== i - 1) expect(i % UNIT_ROWS).toBe(0)
        }
      }
      expect(counts.reduce((a, b) => a + b, 0)).toBe(ROWS)
    })

    it('equalize drops every rank to the same number of batches', async () => {
      const path = write()
      const counts = await Promise.all(
        [0, 1, 2, 3].map(async (rank) => {
          const ds = loadVectors(path, { unitBytes, backend, batchSize: 100 }).shard({
            rank,
            worldSize: 4,
            equalize: 'drop',
          })
          return (await pass(ds)).batches
        }),
      )
      expect(new Set(counts).size).toBe(1)
    })

    it('shuffles by seed: the same order twice, every row once, another order for another seed or epoch', async () => {
      const path = write()
      const shuffled = (seed: number) =>
        loadVectors(path, { unitBytes, backend, batchSize: 256 }).shuffle({ seed, bufferSize: 1500 })
      const a = (await pass(shuffled(11))).indexes
      const b = (await pass(shuffled(11))).indexes
      expect(b).toEqual(a)
      expect(sorted(a)).toEqual(every)
      expect(a).not.toEqual(every)
      // the units are read in a permuted order, not only rows permuted within a buffer of the first units
      expect(Math.max(...a.slice(0, 1500))).toBeGreaterThanOrEqual(1500)
      expect((await pass(shuffled(12))).indexes).not.toEqual(a)
      const epoch1 = (await pass(shuffled(11).setEpoch(1))).indexes
      expect(epoch1).not.toEqual(a)
      expect(sorted(epoch1)).toEqual(every)
    })

    it('resumes a shuffled rank exactly from its state', async () => {
      const path = write()
      const make = () =>
        loadVectors(path, { unitBytes, backend, batchSize: 300 })
          .shard({ rank: 1, worldSize: 2 })
          .shuffle({ seed: 3, bufferSize: 700 })
      const whole = await pass(make())
      const before = await pass(make(), 4)
      const after = await pass(make().resume(before.state as DatasetState))
      expect([...before.indexes, ...after.indexes]).toEqual(whole.indexes)
    })
  })

  describe.skipIf(skipBackend(backend))('an open file', () => {
    it('toDataset shards by the same row ranges', async () => {
      const v = createMemoryMappedVectors(tmp.path('open.npy'), {
        dimension: DIM,
        initialVectors: flat(0, ROWS, DIM),
        backend,
      })
      try {
        const parts = await Promise.all(
          [0, 1].map((rank) =>
            pass(v.toDataset({ unitBytes, batchSize: 200 }).shard({ rank, worldSize: 2 })),
          ),
        )
        expect(sorted(parts.flatMap((p) => p.indexes))).toEqual(every)
      } finally {
        v.close()
      }
    })

    it('rejects a unitBytes that is not a positive integer', () => {
      expect(() => loadVectors(tmp.path('x.npy'), { unitBytes: 0 })).toThrow(/unitBytes/)
    })
  })
})
