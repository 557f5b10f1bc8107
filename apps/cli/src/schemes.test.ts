import { readFileSync } from 'node:fs'
import { packFile, serveGateway } from '@sd/car'
import { FakeHub } from '@sd/hf/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { locate } from './formats.js'
import { duckdb, EVENTS_SQL, tempDir } from './test-support/fixtures.js'
import { sd } from './test-support/run.js'

const tmp = tempDir()
afterAll(() => tmp.remove())
const parquet = tmp.path('events.parquet')
const first = [
  { id: 0, name: 'say "hi", 0' },
  { id: 1, name: 'name-1' },
]

beforeAll(async () => {
  await duckdb(EVENTS_SQL(5000), `COPY events TO '${parquet}' (FORMAT parquet)`)
})

describe('hf:// and ipfs:// URLs', () => {
  it('tells an hf:org/name dataset from an hf:// URL of a file in one', () => {
    expect(locate('hf:acme/events', undefined, '--from')).toMatchObject({ kind: 'hf', format: 'hf' })
    expect(locate('hf://datasets/acme/events/data/x.parquet', undefined, '--from')).toMatchObject({
      kind: 'url',
      format: 'parquet',
    })
    expect(locate('ipfs://bafkqaaa/rows.csv', undefined, '--from')).toMatchObject({
      kind: 'url',
      format: 'csv',
    })
  })

  it('reads an hf://datasets/... file from the hub named by HF_ENDPOINT', async () => {
    const hub = await FakeHub.start()
    try {
      hub.commit('acme/events', [{ path: 'data/events.parquet', data: readFileSync(parquet) }])
      const url = 'hf://datasets/acme/events/data/events.parquet'
      const run = await sd(['head', url, '-n', '2', '--columns', 'id,name', '--json'], {
        env: { HF_ENDPOINT: hub.url, HF_TOKEN: '' },
      })
      expect(run.status, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toEqual(first)
    } finally {
      await hub.close()
    }
  })

  it('reads an ipfs:// URL through the trustless gateway named by SD_IPFS_GATEWAY', async () => {
    const car = tmp.path('events.car')
    const packed = await packFile(parquet, car)
    const gateway = await serveGateway({ cars: [car], host: '127.0.0.1' })
    try {
      const env = { SD_IPFS_GATEWAY: gateway.url }
      // the root is the dataset's manifest, which links the Parquet file's bytes
      const run = await sd(
        ['head', `ipfs://${packed.root}`, '--from', 'parquet', '-n', '2', '--columns', 'id,name', '--json'],
        { env },
      )
      expect(run.status, run.stderr).toBe(0)
      expect(JSON.parse(run.stdout)).toEqual(first)
      // without a gateway: one line naming the variable to set
      const none = await sd(['head', `ipfs://${packed.root}`, '--from', 'parquet'], {
        env: { SD_IPFS_GATEWAY: '' },
      })
      expect(none.status).toBe(1)
      expect(none.stderr).toMatch(
        /^sd: [A-Z_]+: Reading ipfs:\/\/\w+ needs a trustless gateway: set SD_IPFS_GATEWAY/,
      )
    } finally {
      await gateway.close()
    }
  })
})
