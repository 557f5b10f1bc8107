import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatasetState, StreamingDataset } from '@sd/core'
import { type S3Server, startS3Server, withS3Environment } from '@sd/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'

const ROWS = 6000
let dir: string
let file: string
let server: S3Server

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sd-json-shard-'))
  file = join(dir, 'events.ndjson')
  const lines: string[] = []
  for (let id = 0; id < ROWS; id++) {
    // lines of uneven length, a blank line now and then
    lines.push(JSON.stringify({ id, name: 'x'.repeat(id % 37), score: id + 0.5 }))
    if (id % 97 === 0) lines.push('')
  }
  await writeFile(file, `${lines.join('\n')}\n`)
  server = await startS3Server({ buckets: ['data'] })
  await server.put('data', 'json/events.ndjson', await readFile(file))
})
afterAll(async () => {
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

type Event = { id: number; name: string; score: number }

async function ids(ds: StreamingDataset<Event>, stopAfter = Number.POSITIVE_INFINITY) {
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
const load = (source = file, unitBytes = 20_000) =>
  loadJson(source, { batchSize: 250, unitBytes }) as unknown as StreamingDataset<Event>

describe('NDJSON in line-aligned byte ranges', () => {
  it('splits a file among ranks: every record once, typed as a whole pass types it', async () => {
    const whole = await load().toArray()
    const parts = await Promise.all([0, 1, 2].map((rank) => load().shard({ rank, worldSize: 3 }).toArray()))
    expect(sorted(parts.flat().map((r) => r.id))).toEqual(everyId)
    const byId = new Map(whole.map((r) => [r.id, r]))
    for (const row of parts.flat()) expect(row).toEqual(byId.get(row.id))
    const schemas = await Promise.all([0, 1, 2].map((rank) => load().shard({ rank, worldSize: 3 }).schema()))
    for (const schema of schemas) expect(schema).toEqual(await load().schema())
  })

  it('resumes a shuffled rank exactly, and equalizes by counting records', async () => {
    const make = () => load().shard({ rank: 1, worldSize: 2 }).shuffle({ seed: 3, bufferSize: 700 })
    const whole = await ids(make())
    const before = await ids(make(), 5)
    const after = await ids(make().resume(before.state as DatasetState))
    expect([...before.ids, ...after.ids]).toEqual(whole.ids)
    const counts = await Promise.all(
      [0, 1, 2].map((rank) => load().shard({ rank, worldSize: 3, equalize: 'pad' }).count()),
    )
    expect(new Set(counts).size).toBe(1)
  })

  it('names the byte of a bad line inside a unit', async () => {
    const bad = join(dir, 'bad.ndjson')
    const text = (await readFile(file, 'utf8')).replace('{"id":4321,', '{"id":4321,,')
    await writeFile(bad, text)
    const whole = (await load(bad)
      .count()
      .catch((e: unknown) => e)) as { location: { byte?: number; line?: number } }
    expect(whole.location.line).toBeGreaterThan(4000)
    const errors = await Promise.all(
      [0, 1].map((rank) =>
        load(bad)
          .shard({ rank, worldSize: 2 })
          .count()
          .then(
            () => undefined,
            (e: unknown) => e,
          ),
      ),
    )
    const err = errors.find((e) => e !== undefined) as {
      code: string
      location: { byte?: number; line?: number }
    }
    expect(err.code).toBe('JSON_MALFORMED')
    // the same byte a whole pass names (lines before a unit are not counted, so no line)
    expect(err.location.byte).toBe(whole.location.byte)
    expect(err.location.byte).toBeGreaterThan(Buffer.byteLength(text.slice(0, text.indexOf('{"id":4321,'))))
    expect(err.location.line).toBeUndefined()
  })
})

describe('NDJSON objects in S3', () => {
  const url = 's3://data/json/events.ndjson'
  const remote = (s3?: ReturnType<S3Server['s3Options']>) =>
    loadJson(url, {
      batchSize: 250,
      unitBytes: 20_000,
      ...(s3 ? { s3 } : {}),
    }) as unknown as StreamingDataset<Event>

  it('reads and shards an s3:// object like the local file (credentials from the s3 option)', async () => {
    const s3 = server.s3Options()
    expect(await remote(s3).toArray()).toEqual(await load().toArray())
    const local = await load()
      .shard({ rank: 0, worldSize: 2 })
      .shuffle({ seed: 1, bufferSize: 500 })
      .toArray()
    const shard = await remote(s3)
      .shard({ rank: 0, worldSize: 2 })
      .shuffle({ seed: 1, bufferSize: 500 })
      .toArray()
    expect(shard).toEqual(local)
    await expect(remote({ ...s3, secretAccessKey: 'wrong' }).toArray()).rejects.toMatchObject({
      name: 'AuthError',
      location: { url },
    })
  })

  it('takes the credentials from the AWS variables when no s3 option is given', async () => {
    await withS3Environment(server, async () => {
      expect(await remote().toArray()).toEqual(await load().toArray())
      process.env.AWS_SECRET_ACCESS_KEY = 'wrong'
      await expect(remote().toArray()).rejects.toMatchObject({ name: 'AuthError', location: { url } })
    })
  })
})
