import { readFile } from 'node:fs/promises'
import type { DatasetState, StreamingDataset } from '@sd/core'
import { type S3Server, startS3Server, withS3Environment } from '@sd/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import { duckdb, tempDir } from './test-support/files.js'

const ROWS = 5000
const tmp = tempDir('sd-csv-shard-')
let file: string
let server: S3Server

beforeAll(async () => {
  file = `${tmp.dir}/points.csv`
  // DuckDB writes it: quoted fields with commas and quotes, integers, doubles, booleans
  await duckdb(
    `COPY (SELECT i AS id, 'name, "' || (i % 53) || '"' AS name, i * 0.25 AS score, i % 3 = 0 AS flag FROM range(${ROWS}) t(i)) TO '${file}' (HEADER, DELIMITER ',')`,
  )
  server = await startS3Server({ buckets: ['data'] })
  await server.put('data', 'csv/points.csv', await readFile(file))
})
afterAll(async () => {
  await server?.close()
  tmp.remove()
})

type Point = { id: number; name: string; score: number; flag: boolean }

const load = (source = file, unitBytes = 12_000) =>
  loadCsv(source, { batchSize: 200, unitBytes }) as unknown as StreamingDataset<Point>

async function ids(ds: StreamingDataset<Point>, stopAfter = Number.POSITIVE_INFINITY) {
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
const everyId = Array.from({ length: ROWS }, (_, i) => i)

describe('CSV in line-aligned byte ranges', () => {
  it('splits a file among ranks: every record once, with the header, typed as a whole pass', async () => {
    const whole = await load().toArray()
    expect(whole.length).toBe(ROWS)
    const parts = await Promise.all([0, 1, 2].map((rank) => load().shard({ rank, worldSize: 3 }).toArray()))
    expect(sorted(parts.flat().map((r) => r.id))).toEqual(everyId)
    const byId = new Map(whole.map((r) => [r.id, r]))
    for (const row of parts.flat()) expect(row).toEqual(byId.get(row.id))
    expect(await load().shard({ rank: 2, worldSize: 3 }).schema()).toEqual(await load().schema())
  })

  it('resumes a shuffled rank exactly, and equalizes by counting records', async () => {
    const make = () => load().shard({ rank: 0, worldSize: 2 }).shuffle({ seed: 8, bufferSize: 900 })
    const whole = await ids(make())
    const before = await ids(make(), 4)
    const after = await ids(make().resume(before.state as DatasetState))
    expect([...before.ids, ...after.ids]).toEqual(whole.ids)
    const counts = await Promise.all(
      [0, 1, 2].map((rank) => load().shard({ rank, worldSize: 3, equalize: 'drop' }).count()),
    )
    expect(new Set(counts).size).toBe(1)
  })

  it('refuses to cut inside a quoted field that holds a line break, and reads it whole instead', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => `${i},"line one\nline two ${i}"`)
    const path = tmp.write('multiline.csv', `id,text\n${rows.join('\n')}\n`)
    const split = loadCsv(path, { unitBytes: 1000 }).shard({ rank: 0, worldSize: 2 }).count()
    await expect(split).rejects.toMatchObject({ code: 'CSV_SPLIT_IN_QUOTES' })
    expect(
      await loadCsv(path, { unitBytes: 1 << 20 })
        .shard({ rank: 0, worldSize: 1 })
        .count(),
    ).toBe(400)
  })

  it('names the file byte of a bad value inside a unit', async () => {
    const text = await readFile(file, 'utf8')
    const broken = text.replace('\n4000,', '\nx4000,')
    const path = tmp.write('broken.csv', broken)
    const whole = (await loadCsv(path, { batchSize: 200 })
      .count()
      .catch((e: unknown) => e)) as { code: string; location: { byte?: number } }
    const errors = await Promise.all(
      [0, 1].map((rank) =>
        (
          loadCsv(path, { batchSize: 200, unitBytes: 12_000 })
            .shard({ rank, worldSize: 2 })
            .count() as Promise<unknown>
        ).catch((e: unknown) => e),
      ),
    )
    const err = errors.find((e) => typeof e === 'object') as {
      code: string
      location: { byte?: number; line?: number }
    }
    expect(err.code).toBe(whole.code)
    expect(err.location.byte).toBe(whole.location.byte)
    expect(err.location.line).toBeUndefined()
  })
})

describe('CSV objects in S3', () => {
  const url = 's3://data/csv/points.csv'

  it('reads and shards an s3:// object like the local file (credentials from the s3 option)', async () => {
    const s3 = server.s3Options()
    const remote = () =>
      loadCsv(url, { batchSize: 200, unitBytes: 12_000, s3 }) as unknown as StreamingDataset<Point>
    expect(await remote().toArray()).toEqual(await load().toArray())
    const shard = await remote()
      .shard({ rank: 1, worldSize: 2 })
      .shuffle({ seed: 2, bufferSize: 400 })
      .toArray()
    const local = await load()
      .shard({ rank: 1, worldSize: 2 })
      .shuffle({ seed: 2, bufferSize: 400 })
      .toArray()
    expect(shard).toEqual(local)
    await expect(
      loadCsv(url, { s3: { ...s3, secretAccessKey: 'wrong' }, retries: 0 }).toArray(),
    ).rejects.toMatchObject({ name: 'AuthError', location: { url } })
  })

  it('takes the credentials from the AWS variables when no s3 option is given', async () => {
    await withS3Environment(server, async () => {
      expect(await load(url).toArray()).toEqual(await load().toArray())
    })
  })
})
