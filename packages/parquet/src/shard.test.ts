import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AuthError, type DatasetState, type StreamingDataset } from '@sd/core'
import { type S3Server, startS3Server } from '@sd/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, tempDir } from './test-support/fixtures.js'

// 5 DuckDB-written files of 1,000 to 5,000 rows in row groups of 1,024 rows
const FILES = [1000, 2500, 5000, 1800, 3100]
const TOTAL = FILES.reduce((a, b) => a + b, 0)
let dir: string
let cleanup: () => Promise<void>
let server: S3Server

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  let first = 0
  for (const [i, rows] of FILES.entries()) {
    await exec(
      `COPY (SELECT (i + ${first})::INTEGER AS id, 'name-' || (i + ${first}) AS name FROM range(${rows}) t(i)) TO '${join(dir, `part-${i}.parquet`)}' (FORMAT parquet, ROW_GROUP_SIZE 1024)`,
    )
    first += rows
  }
  server = await startS3Server({ buckets: ['data'] })
  for (const i of FILES.keys()) {
    await server.put('data', `pq/part-${i}.parquet`, await readFile(join(dir, `part-${i}.parquet`)))
  }
  await server.put('data', 'pq/_SUCCESS', '')
})
afterAll(async () => {
  await server?.close()
  await cleanup?.()
})

type IdRow = { id: number; name: string }

async function ids(ds: StreamingDataset<IdRow>, stopAfter = Number.POSITIVE_INFINITY) {
  const out: number[] = []
  let state: DatasetState | undefined
  let batches = 0
  for await (const batch of ds) {
    out.push(...(batch.column('id') as Int32Array))
    state = ds.state()
    if (++batches >= stopAfter) break
  }
  return { ids: out, state }
}

const sorted = (v: number[]) => [...v].sort((a, b) => a - b)
const everyId = Array.from({ length: TOTAL }, (_, i) => i)

describe('row groups as units', () => {
  it('shards by row group: disjoint, covering, within one row group', async () => {
    const parts = await Promise.all(
      [0, 1, 2].map((rank) => ids(loadParquet<IdRow>(dir, { batchSize: 500 }).shard({ rank, worldSize: 3 }))),
    )
    expect(sorted(parts.flatMap((p) => p.ids))).toEqual(everyId)
    const counts = parts.map((p) => p.ids.length)
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1024)
  })

  it('resumes a shuffled rank exactly, and equalizes batch counts from the footers', async () => {
    const make = () =>
      loadParquet<IdRow>(dir, { batchSize: 300 })
        .shard({ rank: 1, worldSize: 2 })
        .shuffle({ seed: 5, bufferSize: 2000 })
    const whole = await ids(make())
    const before = await ids(make(), 7)
    const after = await ids(make().resume(before.state as DatasetState))
    expect([...before.ids, ...after.ids]).toEqual(whole.ids)
    const counts = await Promise.all(
      [0, 1, 2, 3].map((rank) =>
        loadParquet(dir, { batchSize: 300 }).shard({ rank, worldSize: 4, equalize: 'drop' }).count(),
      ),
    )
    expect(new Set(counts).size).toBe(1)
  })

  it('keeps only filtered rows per unit, and resumes within a row group', async () => {
    const make = () =>
      loadParquet<IdRow>(dir, { batchSize: 100, filters: { id: { $gte: 4000 } } }).shard({
        rank: 0,
        worldSize: 2,
      })
    const whole = await ids(make())
    expect(whole.ids.every((id) => id >= 4000)).toBe(true)
    const before = await ids(make(), 5)
    const after = await ids(make().resume(before.state as DatasetState))
    expect([...before.ids, ...after.ids]).toEqual(whole.ids)
  })
})

describe('Parquet objects in S3', () => {
  it('reads an s3:// prefix as the same rows as the local folder, through signed requests', async () => {
    const s3 = server.s3Options()
    const local = await loadParquet<IdRow>(dir).toArray()
    const remote = await loadParquet<IdRow>('s3://data/pq/', { s3 }).toArray()
    expect(remote).toEqual(local)
    const one = await loadParquet<IdRow>('s3://data/pq/part-2.parquet', { s3, columns: ['name'] }).toArray()
    expect(one.map((r) => r.name)).toEqual(local.slice(3500, 8500).map((r) => r.name))
    const seen = await server.seen()
    expect(seen.every((r) => r.signed)).toBe(true)
    expect(seen.some((r) => r.range !== undefined)).toBe(true)
  })

  it('resumes over S3 a checkpoint taken over the local files', async () => {
    const s3 = server.s3Options()
    const make = (source: string) =>
      loadParquet<IdRow>(source, { batchSize: 400, s3 })
        .shard({ rank: 0, worldSize: 2 })
        .shuffle({ seed: 9, bufferSize: 1500 })
    const whole = await ids(make(dir))
    const before = await ids(make(dir), 4)
    const after = await ids(make('s3://data/pq/').resume(before.state as DatasetState))
    expect([...before.ids, ...after.ids]).toEqual(whole.ids)
  })

  it('fails a wrong secret with an AuthError naming bucket and key', async () => {
    const s3 = { ...server.s3Options(), secretAccessKey: 'wrong' }
    const err = await loadParquet('s3://data/pq/part-1.parquet', { s3 })
      .toArray()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AuthError)
    expect((err as Error).message).toContain('key "pq/part-1.parquet" in bucket "data"')
    await expect(loadParquet('s3://data/pq/', { s3 }).toArray()).rejects.toBeInstanceOf(AuthError)
  })
})
