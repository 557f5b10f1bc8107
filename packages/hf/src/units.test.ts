/**
 * Hub splits shard, shuffle and resume by unit: Parquet row groups and text byte ranges, listed
 * through the format packages, named by path in the repository.
 */
import type { DatasetState, RecordBatch } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadHuggingFace } from './load.js'
import { HuggingFaceStreamingLoader } from './loader.js'
import { collect, parquetRows } from './test-support/fixtures.js'
import { FakeHub } from './test-support/hub-server.js'

let hub: FakeHub

const files = [
  parquetRows({ start: 0, count: 900, rowGroupSize: 200 }),
  parquetRows({ start: 900, count: 650, rowGroupSize: 200 }),
  parquetRows({ start: 1550, count: 300, rowGroupSize: 100 }),
]
const TOTAL = 1850

const jsonLines = (start: number, count: number) =>
  Array.from(
    { length: count },
    (_, k) => `${JSON.stringify({ id: start + k, tag: (start + k) % 3 === 0 ? 'a' : 'b' })}\n`,
  ).join('')

beforeAll(async () => {
  hub = await FakeHub.start()
  hub.commit('acme/sharded', [
    { path: 'data/train-00000-of-00003.parquet', data: files[0] as Uint8Array },
    { path: 'data/train-00001-of-00003.parquet', data: files[1] as Uint8Array },
    { path: 'data/train-00002-of-00003.parquet', data: files[2] as Uint8Array },
  ])
  hub.commit('acme/lines', [
    { path: 'data/train-00000-of-00002.jsonl', data: jsonLines(0, 400) },
    { path: 'data/train-00001-of-00002.jsonl', data: jsonLines(400, 350) },
  ])
})
afterAll(() => hub.close())

const ids = (batches: RecordBatch[]) =>
  batches.flatMap((b) => Array.from(b.column('id') as ArrayLike<number | bigint>, Number))

describe('units of a hub split', () => {
  it('are the row groups of its Parquet files, named by path, with their row counts', async () => {
    const loader = new HuggingFaceStreamingLoader('acme/sharded', { hubUrl: hub.url })
    const units = await loader.listUnits()
    expect(units.map((u) => u.id)).toEqual([
      ...[0, 1, 2, 3, 4].map((g) => `data/train-00000-of-00003.parquet#${g}`),
      ...[0, 1, 2, 3].map((g) => `data/train-00001-of-00003.parquet#${g}`),
      ...[0, 1, 2].map((g) => `data/train-00002-of-00003.parquet#${g}`),
    ])
    expect(units.reduce((n, u) => n + (u.rows ?? 0), 0)).toBe(TOTAL)
  })

  it('shard across 3 ranks: disjoint shares that cover the split, balanced within a unit', async () => {
    const shares: number[][] = []
    for (let rank = 0; rank < 3; rank++) {
      const ds = loadHuggingFace('acme/sharded', { hubUrl: hub.url, batchSize: 128 }).shard({
        rank,
        worldSize: 3,
      })
      shares.push(ids(await collect(ds)))
    }
    const all = shares.flat().sort((a, b) => a - b)
    expect(all).toEqual(Array.from({ length: TOTAL }, (_, i) => i))
    const counts = shares.map((s) => s.length)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(200)
  })

  it('equalize gives every rank the same number of batches', async () => {
    const batchCounts: number[] = []
    for (let rank = 0; rank < 3; rank++) {
      const ds = loadHuggingFace('acme/sharded', { hubUrl: hub.url, batchSize: 100 }).shard({
        rank,
        worldSize: 3,
        equalize: 'drop',
      })
      batchCounts.push((await collect(ds)).length)
    }
    expect(new Set(batchCounts).size).toBe(1)
  })

  it('a shuffled pass resumed from its state gives the rest of the uninterrupted pass', async () => {
    const make = () =>
      loadHuggingFace('acme/sharded', { hubUrl: hub.url, batchSize: 64 }).shuffle({
        seed: 7,
        bufferSize: 300,
      })
    const whole = ids(await collect(make()))
    expect([...whole].sort((a, b) => a - b)).toEqual(Array.from({ length: TOTAL }, (_, i) => i))
    expect(whole).not.toEqual(Array.from({ length: TOTAL }, (_, i) => i))

    const first = make()
    const before: number[] = []
    let state: DatasetState | undefined
    for await (const batch of first) {
      before.push(...ids([batch]))
      if (before.length >= 640) {
        state = first.state()
        break
      }
    }
    const resumed = make().resume(JSON.parse(JSON.stringify(state)) as DatasetState)
    expect([...before, ...ids(await collect(resumed))]).toEqual(whole)
  })

  it('JSON Lines files shard by the units @sd/json lists, filters applied within each unit', async () => {
    const loader = new HuggingFaceStreamingLoader('acme/lines', { hubUrl: hub.url })
    const units = await loader.listUnits()
    expect(units.map((u) => u.id.split(/[@#]/)[0])).toEqual([
      'data/train-00000-of-00002.jsonl',
      'data/train-00001-of-00002.jsonl',
    ])
    const shares: number[][] = []
    for (let rank = 0; rank < 2; rank++) {
      const ds = loadHuggingFace('acme/lines', {
        hubUrl: hub.url,
        batchSize: 50,
        filters: { tag: { $eq: 'a' } },
      }).shard({ rank, worldSize: 2 })
      shares.push(ids(await collect(ds)))
    }
    expect(shares.every((s) => s.length > 0)).toBe(true)
    expect(shares.flat().sort((a, b) => a - b)).toEqual(
      Array.from({ length: 750 }, (_, i) => i).filter((i) => i % 3 === 0),
    )
  })

  it('a unit id that the split does not have is a STATE_MISMATCH', async () => {
    const loader = new HuggingFaceStreamingLoader('acme/sharded', { hubUrl: hub.url })
    const ctx = {
      signal: new AbortController().signal,
      batchSize: 10,
      startBatch: 0,
      cache: undefined,
      countBytes: () => undefined,
    }
    const err = await collect(loader.readUnit({ id: 'data/nope.parquet#0' }, 0, ctx)).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'STATE_MISMATCH' })
  })
})
