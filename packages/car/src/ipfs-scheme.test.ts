import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import { isSdError, openRange } from '@sd/core'
import { loadCsv } from '@sd/csv'
import { loadParquet } from '@sd/parquet'
import { importer } from 'ipfs-unixfs-importer'
import type { CID } from 'multiformats/cid'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import './register.js'
import { cborCid } from './cid.js'
import { type GatewayServer, serveGateway } from './gateway-server.js'
import { loadCar } from './load.js'
import { openCar } from './open-car.js'
import { type PackResult, packFile } from './pack.js'
import { carBytes } from './test-support/car-bytes.js'
import { duckdb } from './test-support/duckdb.js'
import { faultyGateway } from './test-support/faulty-gateway.js'
import { tempDir } from './test-support/files.js'
import { directoryNode } from './unixfs-dir.js'
import { writeCar } from './write-car.js'

const dir = tempDir()
const parquet = join(dir, 'rows.parquet')
const csv = join(dir, 'rows.csv')
let packed: PackResult
let batchesRoot: CID
let folder: CID
let sharded: CID
let garbage: CID
let gateway: GatewayServer
const quick = { retries: 1, backoffMs: 5, timeoutMs: 400, idleTimeoutMs: 400 }

/** A UnixFS directory of `files` made by ipfs-unixfs-importer, as a CAR (an independent writer). */
async function directoryCar(
  files: Record<string, Uint8Array>,
  name: string,
  shardSplitThresholdBytes?: number,
): Promise<CID> {
  const blocks: { cid: CID; bytes: Uint8Array }[] = []
  const store = {
    put: async (cid: CID, bytes: Uint8Array) => {
      blocks.push({ cid, bytes })
      return cid
    },
    get: async () => {
      throw new Error('not kept')
    },
    has: async () => false,
  }
  let root: CID | undefined
  const entries = Object.entries(files).map(([path, content]) => ({ path, content }))
  for await (const entry of importer(entries, store as never, {
    cidVersion: 1,
    rawLeaves: true,
    wrapWithDirectory: true,
    ...(shardSplitThresholdBytes === undefined ? {} : { shardSplitThresholdBytes }),
  })) {
    root = entry.cid
  }
  if (!root) throw new Error('no root')
  const unique = [...new Map(blocks.map((b) => [b.cid.toString(), b])).values()]
  writeFileSync(join(dir, name), await carBytes(unique, [root]))
  return root
}

async function rowsOf(ds: AsyncIterable<{ numRows: number; column(name: string): unknown }>) {
  const ids: number[] = []
  for await (const batch of ds) ids.push(...Array.from(batch.column('id') as Int32Array))
  return ids
}

beforeAll(async () => {
  await duckdb(
    `COPY (SELECT i::INTEGER AS id, md5(i::VARCHAR) AS h FROM range(200000) t(i))
     TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 50000)`,
  )
  await duckdb(`COPY (SELECT i::INTEGER AS id, i * 2 AS d FROM range(1000) t(i)) TO '${csv}' (HEADER)`)
  packed = await packFile(parquet, join(dir, 'rows.car'))
  batchesRoot = (await writeCar(loadParquet(parquet, { batchSize: 70_000 }), join(dir, 'batches.car'))).root
  const bytes = new Uint8Array(readFileSync(parquet))
  folder = await directoryCar(
    {
      'data/train/part-0.parquet': bytes,
      'data/train/part-1.parquet': bytes,
      'data/notes.txt': new TextEncoder().encode('hello'),
      'data/rows.csv': new Uint8Array(readFileSync(csv)),
    },
    'folder.car',
  )
  const many: Record<string, Uint8Array> = {}
  for (let i = 0; i < 300; i++) many[`shard/f-${String(i).padStart(3, '0')}.txt`] = new Uint8Array([i & 255])
  many['shard/rows.parquet'] = bytes
  sharded = await directoryCar(many, 'sharded.car', 1000)
  // a dag-cbor block whose bytes hash right but do not decode
  const junk = new Uint8Array([0xff, 0x00, 0x13])
  garbage = cborCid(junk)
  writeFileSync(join(dir, 'garbage.car'), await carBytes([{ cid: garbage, bytes: junk }], [garbage]))
  gateway = await serveGateway({
    cars: ['rows.car', 'batches.car', 'folder.car', 'sharded.car', 'garbage.car'].map((f) => join(dir, f)),
  })
  process.env.SD_IPFS_GATEWAY = gateway.url
}, 120_000)
afterEach(() => {
  process.env.SD_IPFS_GATEWAY = gateway.url
})
afterAll(async () => {
  delete process.env.SD_IPFS_GATEWAY
  await gateway.close()
})

const all = async () => rowsOf(loadParquet(parquet))

describe('ipfs:// through the gateway of SD_IPFS_GATEWAY (import @sd/car/register)', () => {
  it('loadParquet of a packed manifest and of its file CID gives the rows of the file', async () => {
    const want = await all()
    expect(want).toHaveLength(200_000)
    expect(await rowsOf(loadParquet(`ipfs://${packed.root}`))).toEqual(want)
    const group = await rowsOf(loadParquet(parquet, { rowGroups: [2] }))
    expect(group.length).toBeGreaterThan(0)
    expect(await rowsOf(loadParquet(`ipfs://${packed.file}`, { rowGroups: [2] }))).toEqual(group)
  })

  it('openRange reads bytes checked block by block, fetching only the ranges read', async () => {
    const reader = await openRange(`ipfs://${packed.root}`)
    try {
      const file = readFileSync(parquet)
      expect(reader.byteLength).toBe(file.length)
      expect(reader.version).toBe(packed.file.toString())
      expect(Buffer.from(await reader.read(1000, 2000)).equals(file.subarray(1000, 2000))).toBe(true)
      expect((reader as unknown as { stats: { requests: number } }).stats.requests).toBe(1)
    } finally {
      await reader.close()
    }
  })

  it('follows a path through UnixFS directories, HAMT-sharded ones included', async () => {
    const want = await all()
    expect(await rowsOf(loadParquet(`ipfs://${folder}/data/train/part-1.parquet`))).toEqual(want)
    const car = await openCar(`ipfs://${sharded}/shard`)
    try {
      const shard = car.roots[0] as CID
      expect(directoryNode(shard, await car.get(shard))?.kind).toBe('hamt')
    } finally {
      await car.close()
    }
    expect(await rowsOf(loadParquet(`ipfs://${sharded}/shard/rows.parquet`))).toEqual(want)
    const csvRows = await loadCsv(`ipfs://${folder}/data/rows.csv`).toArray()
    expect(csvRows).toHaveLength(1000)
    expect(csvRows[999]).toMatchObject({ id: 999, d: 1998 })
  })

  it('serveGateway follows the same paths (HAMT shards searched) and sends the blocks on the way', async () => {
    const res = await fetch(`${gateway.url}/ipfs/${sharded}/shard/rows.parquet?format=car&dag-scope=block`)
    expect(res.status).toBe(200)
    const iterator = await CarBlockIterator.fromBytes(new Uint8Array(await res.arrayBuffer()))
    const cids: string[] = []
    for await (const block of iterator) cids.push(block.cid.toString())
    expect(cids[0]).toBe(sharded.toString())
    const car = await openCar(`ipfs://${sharded}/shard/rows.parquet`)
    try {
      expect(cids.at(-1)).toBe(car.roots[0]?.toString())
    } finally {
      await car.close()
    }
    const absent = await fetch(`${gateway.url}/ipfs/${sharded}/shard/nope.parquet?format=car`)
    expect(absent.status).toBe(404)
  })

  it('a folder URL lists its files: a dataset of every Parquet file below it', async () => {
    const want = await all()
    const got = await rowsOf(loadParquet(`ipfs://${folder}/data/`))
    expect(got).toEqual([...want, ...want])
  })

  it('loadCar and openCar take ipfs:// URLs of both layouts', async () => {
    expect(await loadCar(`ipfs://${packed.root}`, { columns: ['id'] }).count()).toBe(200_000)
    const stored = await loadCar(`ipfs://${batchesRoot}`).toArray()
    expect(stored).toHaveLength(200_000)
    expect(stored[123_456]).toMatchObject({ id: 123_456 })
  })

  it('names what is wrong: no gateway, a bad URL, a missing path, a directory or dataset that is no file', async () => {
    delete process.env.SD_IPFS_GATEWAY
    await expect(openRange(`ipfs://${packed.root}`)).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    process.env.SD_IPFS_GATEWAY = 'ftp://example.org'
    await expect(openRange(`ipfs://${packed.root}`)).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    process.env.SD_IPFS_GATEWAY = `${gateway.url}/ipfs/`
    const reader = await openRange(`ipfs://${packed.root}`)
    await reader.close()
    await expect(openRange('ipfs://not-a-cid/x')).rejects.toMatchObject({ code: 'CAR_BAD_CID' })
    await expect(openRange(`ipfs://${folder}/data/nope.parquet`)).rejects.toMatchObject({
      code: 'CAR_PATH_NOT_FOUND',
      cid: folder.toString(),
    })
    await expect(openRange(`ipfs://${folder}/data`)).rejects.toMatchObject({ code: 'CAR_NOT_A_FILE' })
    await expect(openRange(`ipfs://${batchesRoot}`)).rejects.toMatchObject({ code: 'CAR_NOT_A_FILE' })
    await expect(openRange(`ipfs://${packed.file}/x/../y`)).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    for (const url of [`ipfs://${garbage}`, `ipfs://${garbage}/x`]) {
      await expect(openRange(url)).rejects.toMatchObject({ code: 'CAR_BAD_BLOCK', cid: garbage.toString() })
    }
  })
})

describe('ipfs:// through a gateway that misbehaves', () => {
  it('wrong bytes: CAR_HASH_MISMATCH naming the CID, no rows from them', async () => {
    for (const fault of ['wrong-block', 'wrong-raw'] as const) {
      const bad = await faultyGateway(gateway.url, fault)
      process.env.SD_IPFS_GATEWAY = bad.url
      try {
        const err = await rowsOf(loadParquet(`ipfs://${packed.root}`, { retries: 0 })).catch(
          (e: unknown) => e,
        )
        expect(isSdError(err)).toBe(true)
        expect(err).toMatchObject({ code: 'CAR_HASH_MISMATCH' })
        expect((err as { cid?: string }).cid).toMatch(/^baf/)
      } finally {
        await bad.close()
      }
    }
  })

  it('a silent gateway: a typed timeout within the configured bounds, nothing hangs', async () => {
    for (const fault of ['never-answer', 'stall-body'] as const) {
      const bad = await faultyGateway(gateway.url, fault)
      process.env.SD_IPFS_GATEWAY = bad.url
      const started = performance.now()
      try {
        const err = await rowsOf(loadParquet(`ipfs://${packed.file}`, quick)).catch((e: unknown) => e)
        expect(err).toMatchObject({ code: fault === 'never-answer' ? 'HTTP_TIMEOUT' : 'HTTP_IDLE_TIMEOUT' })
        expect(performance.now() - started).toBeLessThan(8000)
      } finally {
        await bad.close()
      }
    }
  })
})
