import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { putFolder, type S3Server, startS3Server } from '@sd/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { duckdb, fixtures } from './test-support/fixtures.js'

const files = fixtures()
const folder = join(files.dir, 'events')
let server: S3Server
let prefix: string
afterAll(async () => {
  await server?.close()
  files.remove()
})

beforeAll(async () => {
  mkdirSync(join(folder, 'late'), { recursive: true })
  // DuckDB writes the first two files; the third, gzip, lacks a key and has one the first lacks
  for (const [name, from, to] of [
    ['a.ndjson', 0, 800],
    ['b.jsonl', 800, 2000],
  ] as const) {
    await duckdb(
      `COPY (SELECT i AS id, 9007199254740993 + i AS big, 'e' || i AS label FROM range(${from}, ${to}) t(i)) TO '${join(folder, name)}'`,
    )
  }
  const late = Array.from({ length: 100 }, (_, k) => JSON.stringify({ id: 2000 + k, extra: true })).join('\n')
  writeFileSync(join(folder, 'late', 'c.ndjson.gz'), gzipSync(`${late}\n`))
  writeFileSync(join(folder, '_SUCCESS'), '')
  server = await startS3Server({ buckets: ['data'] })
  prefix = await putFolder(server, folder, 'data', 'events/')
})

describe('several JSON files as one dataset', () => {
  it('reads a folder in path order with the first file’s columns and types', async () => {
    const ds = loadJson(folder, { batchSize: 300 })
    const rows = await ds.toArray()
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 2100 }, (_, i) => i))
    expect((await ds.schema()).map((f) => [f.name, f.type])).toEqual([
      ['id', 'int32'],
      ['big', 'int64'],
      ['label', 'string'],
    ])
    expect(rows[1999]).toEqual({ id: 1999, big: 9007199254740993n + 1999n, label: 'e1999' })
    // a key the first file lacks is not read; one it has is null where missing
    expect(rows[2050]).toEqual({ id: 2050, big: null, label: null })
  })

  it('shards across files: every record once', async () => {
    const parts = await Promise.all(
      [0, 1].map((rank) => loadJson(folder, { unitBytes: 20_000 }).shard({ rank, worldSize: 2 }).toArray()),
    )
    expect(
      parts
        .flat()
        .map((r) => r.id as number)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 2100 }, (_, i) => i))
    expect(Math.abs((parts[0]?.length ?? 0) - (parts[1]?.length ?? 0))).toBeLessThan(1000)
  })

  it('reads a list mixing NDJSON and an array document, and names a file whose values do not fit', async () => {
    const doc = files.write('more.json', JSON.stringify([{ id: 5000, big: 1, label: 'x' }]))
    const rows = await loadJson([join(folder, 'a.ndjson'), doc]).toArray()
    expect(rows).toHaveLength(801)
    expect(rows[800]).toEqual({ id: 5000, big: 1n, label: 'x' })
    const bad = files.write('bad.ndjson', '{"id": "seven", "big": 1, "label": "y"}\n')
    await expect(loadJson([join(folder, 'a.ndjson'), bad]).toArray()).rejects.toMatchObject({
      code: 'TYPE_MISMATCH',
      location: { file: bad, line: 1, column: 'id' },
    })
  })

  it('reads an s3:// prefix of NDJSON objects like the local folder (signed listing and range reads)', async () => {
    const s3 = server.s3Options()
    const since = (await server.seen()).length
    const local = await loadJson(folder, { batchSize: 300 }).toArray()
    expect(await loadJson(prefix, { batchSize: 300, s3 }).toArray()).toEqual(local)
    const seen = await server.seen(since)
    expect(seen.some((r) => r.path.includes('list-type=2'))).toBe(true)
    expect(seen.filter((r) => r.range !== undefined).length).toBeGreaterThanOrEqual(3)
    expect(seen.every((r) => r.signed && r.status < 300)).toBe(true)
    const shard = (source: string, rank: number) =>
      loadJson(source, { unitBytes: 20_000, s3, timeoutMs: 5000 }).shard({ rank, worldSize: 2 }).toArray()
    for (const rank of [0, 1]) expect(await shard(prefix, rank)).toEqual(await shard(folder, rank))
    await expect(
      loadJson(prefix, { s3: { ...s3, secretAccessKey: 'wrong' }, retries: 0 }).toArray(),
    ).rejects.toMatchObject({ name: 'AuthError', location: { url: prefix } })
  })
})
