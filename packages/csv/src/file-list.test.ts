import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { StreamingDataset } from '@sd/core'
import { putFolder, type S3Server, startS3Server, withS3Environment } from '@sd/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import { duckdb, tempDir } from './test-support/files.js'

const tmp = tempDir('sd-csv-files-')
const folder = join(tmp.dir, 'parts')
let server: S3Server
let prefix: string

type Point = { id: number; name: string; score: number }

/** DuckDB writes rows [from, to) as one CSV file. */
async function part(path: string, from: number, to: number): Promise<void> {
  await duckdb(
    `COPY (SELECT i AS id, 'n,' || i AS name, i * 0.5 AS score FROM range(${from}, ${to}) t(i)) TO '${path}' (HEADER)`,
  )
}

beforeAll(async () => {
  mkdirSync(join(folder, 'day=2'), { recursive: true })
  await part(join(folder, 'a.csv'), 0, 1000)
  await part(join(folder, 'b.csv'), 1000, 2500)
  // a gzip file in a subfolder, and files a Spark job leaves beside its output
  await part(join(tmp.dir, 'c.csv'), 2500, 3000)
  writeFileSync(join(folder, 'day=2', 'c.csv.gz'), gzipSync(readFileSync(join(tmp.dir, 'c.csv'))))
  writeFileSync(join(folder, '_SUCCESS'), '')
  writeFileSync(join(folder, '.a.csv.crc'), 'junk')
  writeFileSync(join(folder, 'notes.txt'), 'not a csv')
  server = await startS3Server({ buckets: ['data'] })
  // every file, the hidden and foreign ones included: the listing leaves them out as a folder walk does
  prefix = await putFolder(server, folder, 'data', 'parts/')
})
afterAll(async () => {
  await server?.close()
  tmp.remove()
})

const ids = (rows: { id: number }[]) => rows.map((r) => r.id)
const every = Array.from({ length: 3000 }, (_, i) => i)

describe('several CSV files as one dataset', () => {
  it('reads a folder in path order (subfolders and gzip too), leaving hidden and other files out', async () => {
    const ds = loadCsv(folder, { batchSize: 400 }) as unknown as StreamingDataset<Point>
    const rows = await ds.toArray()
    expect(ids(rows)).toEqual(every)
    expect(rows[2999]).toEqual({ id: 2999, name: 'n,2999', score: 1499.5 })
    expect((await ds.schema()).map((f) => [f.name, f.type])).toEqual([
      ['id', 'int32'],
      ['name', 'string'],
      ['score', 'float64'],
    ])
  })

  it('reads a list of sources in the order given', async () => {
    const rows = await loadCsv([join(folder, 'b.csv'), join(folder, 'a.csv')]).toArray()
    expect(ids(rows as { id: number }[])).toEqual([...every.slice(1000, 2500), ...every.slice(0, 1000)])
  })

  it('shards and resumes across files: every row once', async () => {
    const make = (rank: number) =>
      loadCsv(folder, { batchSize: 100, unitBytes: 8000 }).shard({
        rank,
        worldSize: 3,
      }) as unknown as StreamingDataset<Point>
    const parts = await Promise.all([0, 1, 2].map((rank) => make(rank).toArray()))
    expect(ids(parts.flat()).sort((a, b) => a - b)).toEqual(every)
    for (const p of parts) expect(p.length).toBeGreaterThan(500)
    // stop rank 1 after 4 batches, resume from its state: the rows equal an uninterrupted pass
    const first: number[] = []
    const ds = make(1).shuffle({ seed: 5, bufferSize: 300 })
    let state: unknown
    let n = 0
    for await (const batch of ds) {
      first.push(...(batch.column('id') as Int32Array))
      state = ds.state()
      if (++n === 4) break
    }
    const rest = await make(1)
      .shuffle({ seed: 5, bufferSize: 300 })
      .resume(state as Parameters<StreamingDataset['resume']>[0])
      .toArray()
    const whole = await make(1).shuffle({ seed: 5, bufferSize: 300 }).toArray()
    expect([...first, ...ids(rest)]).toEqual(ids(whole))
  })

  it('reads later files with the first file’s types: a misfit names its file', async () => {
    const dir = join(tmp.dir, 'drift')
    mkdirSync(dir)
    writeFileSync(join(dir, '1.csv'), 'id,v\n1,2\n2,3\n')
    writeFileSync(join(dir, '2.csv'), 'id,v\n3,4.5\n')
    await expect(loadCsv(dir).toArray()).rejects.toMatchObject({
      code: 'TYPE_MISMATCH',
      location: { file: join(dir, '2.csv') },
    })
    expect(await loadCsv(dir, { onBadValue: 'null' }).toArray()).toEqual([
      { id: 1, v: 2 },
      { id: 2, v: 3 },
      { id: 3, v: null },
    ])
  })

  it('refuses a file whose columns differ, and a folder without CSV files', async () => {
    const dir = join(tmp.dir, 'mixed')
    mkdirSync(dir)
    writeFileSync(join(dir, '1.csv'), 'id,v\n1,2\n')
    writeFileSync(join(dir, '2.csv'), 'id,w\n3,4\n')
    await expect(loadCsv(dir).toArray()).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
      location: { file: join(dir, '2.csv') },
    })
    const empty = join(tmp.dir, 'empty')
    mkdirSync(empty)
    writeFileSync(join(empty, 'x.parquet'), 'not csv')
    await expect(loadCsv(empty).toArray()).rejects.toMatchObject({
      code: 'NO_FILES',
      location: { file: empty },
    })
  })

  it('reads an s3:// prefix like the local folder, credentials and endpoint from the s3 option', async () => {
    const s3 = server.s3Options()
    const since = (await server.seen()).length
    expect(await loadCsv(prefix, { s3 }).toArray()).toEqual(await loadCsv(folder).toArray())
    // signed listing, then signed range reads of the objects
    const seen = await server.seen(since)
    expect(seen.some((r) => r.path.startsWith('/data') && r.path.includes('list-type=2'))).toBe(true)
    expect(seen.some((r) => r.range !== undefined)).toBe(true)
    expect(seen.every((r) => r.signed && r.status < 300)).toBe(true)
    const remote = await loadCsv(prefix, { s3, unitBytes: 8000, timeoutMs: 5000, retries: 1 })
      .shard({ rank: 0, worldSize: 2 })
      .toArray()
    const local = await loadCsv(folder, { unitBytes: 8000 }).shard({ rank: 0, worldSize: 2 }).toArray()
    expect(remote).toEqual(local)
    await expect(
      loadCsv(prefix, { s3: { ...s3, secretAccessKey: 'wrong' }, retries: 0 }).toArray(),
    ).rejects.toMatchObject({ name: 'AuthError', location: { url: prefix } })
  })

  it('reads an s3:// prefix with credentials from the AWS environment variables', async () => {
    await withS3Environment(server, async () => {
      expect(await loadCsv(prefix).toArray()).toEqual(await loadCsv(folder).toArray())
    })
  })

  it('validates the s3 and HTTP options when the dataset is made', () => {
    expect(() => loadCsv(prefix, { s3: 'x' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    )
    expect(() => loadCsv(prefix, { timeoutMs: -1 })).toThrow(/timeoutMs/)
  })
})
