import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { openRange, type SdError } from '@sd/core'
import { loadCsv } from '@sd/csv'
import { loadParquet } from '@sd/parquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseHfUrl } from './hf-url.js'
import './register.js'
import { FakeHub } from './test-support/hub-server.js'

let hub: FakeHub
let dir: string
const files = { a: '', b: '', csv: '' }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sd-hf-url-'))
  Object.assign(files, { a: join(dir, 'a.parquet'), b: join(dir, 'b.parquet'), csv: join(dir, 'c.csv') })
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  try {
    await db.run(
      `COPY (SELECT range AS id, 'r' || range AS name FROM range(0, 300)) TO '${files.a}' (FORMAT parquet)`,
    )
    await db.run(
      `COPY (SELECT range AS id, 'r' || range AS name FROM range(300, 500)) TO '${files.b}' (FORMAT parquet)`,
    )
  } finally {
    db.closeSync()
  }
  writeFileSync(files.csv, 'id,score\n1,0.5\n2,1.5\n')
  hub = await FakeHub.start()
  hub.commit('acme/parts', [
    { path: 'data/train-00000.parquet', data: readFileSync(files.a) },
    { path: 'data/train-00001.parquet', data: readFileSync(files.b) },
    { path: 'extra/scores.csv', data: readFileSync(files.csv) },
    { path: 'README.md', data: Buffer.from('# parts\n') },
  ])
  hub.commit('acme/parts', [{ path: 'data/train-00000.parquet', data: readFileSync(files.b) }], {
    branch: 'v2',
  })
  process.env.HF_ENDPOINT = hub.url
})

afterAll(async () => {
  delete process.env.HF_ENDPOINT
  await hub.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('hf:// URLs', () => {
  it('parse into dataset, revision and path', () => {
    expect(parseHfUrl('hf://datasets/org/name@refs%2Fconvert%2Fparquet/default/train/0000.parquet')).toEqual({
      dataset: 'org/name',
      revision: 'refs/convert/parquet',
      path: 'default/train/0000.parquet',
    })
    expect(parseHfUrl('hf://datasets/org/name')).toEqual({
      dataset: 'org/name',
      revision: undefined,
      path: '',
    })
    expect(() => parseHfUrl('hf://models/x')).toThrow(/hf:\/\/datasets/)
  })

  it('read a Parquet file through @sd/parquet as the local file reads', async () => {
    const remote = await loadParquet('hf://datasets/acme/parts/data/train-00000.parquet').toArray()
    expect(remote).toEqual(await loadParquet(files.a).toArray())
  })

  it('read a folder: every Parquet file below it, in order', async () => {
    const rows = await loadParquet('hf://datasets/acme/parts/data/').toArray()
    expect(rows.map((r) => Number(r.id))).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  it('read at a revision', async () => {
    const rows = await loadParquet('hf://datasets/acme/parts@v2/data/train-00000.parquet').toArray()
    expect(rows[0]?.id).toBe(300n)
  })

  it('read CSV through @sd/csv', async () => {
    expect(await loadCsv('hf://datasets/acme/parts/extra/scores.csv').toArray()).toEqual([
      { id: 1, score: 0.5 },
      { id: 2, score: 1.5 },
    ])
  })

  it('name the file when it is not there', async () => {
    const err = (await openRange('hf://datasets/acme/parts/missing.parquet').catch(
      (e: unknown) => e,
    )) as SdError
    expect(err.code).toBe('HTTP_404')
    expect(err.message).toContain('missing.parquet')
  })
})
