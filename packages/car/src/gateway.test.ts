import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blockCid, cborCid, DAG_CBOR, RAW } from './cid.js'
import { type GatewayServer, serveGateway } from './gateway-server.js'
import { openCar } from './open-car.js'
import { type PackResult, packFile } from './pack.js'
import { carBytes } from './test-support/car-bytes.js'
import { blockOffset, flipped } from './test-support/corrupt.js'
import { tempDir } from './test-support/files.js'
import { pseudoRandomBytes } from './test-support/importer.js'

const dir = tempDir()
const MiB = 1 << 20
const bytes = pseudoRandomBytes(5 * MiB + 777, 41)
bytes.set(bytes.subarray(0, MiB), 3 * MiB) // leaf 3 repeats leaf 0
let packed: PackResult
let gateway: GatewayServer
const leaf = (i: number) => blockCid(RAW, bytes.subarray(i * MiB, Math.min(bytes.length, (i + 1) * MiB)))

beforeAll(async () => {
  const source = join(dir, 'data.bin')
  writeFileSync(source, bytes)
  packed = await packFile(source, join(dir, 'data.car'))
  gateway = await serveGateway({ cars: [join(dir, 'data.car')] })
})
afterAll(() => gateway.close())

async function carBlocks(res: Response): Promise<{ roots: string[]; cids: string[] }> {
  const iterator = await CarBlockIterator.fromBytes(new Uint8Array(await res.arrayBuffer()))
  const cids: string[] = []
  for await (const block of iterator) cids.push(block.cid.toString())
  return { roots: (await iterator.getRoots()).map(String), cids }
}

const get = (path: string, init?: RequestInit) => fetch(`${gateway.url}${path}`, init)

describe('serveGateway: the trustless gateway protocol', () => {
  it('listens on 127.0.0.1 and names the roots it serves', () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(gateway.roots.map(String)).toEqual([packed.root.toString()])
  })

  it('answers the bafkqaaa probe for raw and CAR, GET and HEAD', async () => {
    const raw = await get('/ipfs/bafkqaaa?format=raw')
    expect(raw.status).toBe(200)
    expect((await raw.arrayBuffer()).byteLength).toBe(0)
    expect(
      (await get('/ipfs/bafkqaaa', { method: 'HEAD', headers: { Accept: 'application/vnd.ipld.raw' } }))
        .status,
    ).toBe(200)
    const car = await get('/ipfs/bafkqaaa?format=car')
    expect(car.status).toBe(200)
    expect(await carBlocks(car)).toEqual({ roots: ['bafkqaaa'], cids: [] })
  })

  it('serves a raw block with its headers, by format or by Accept', async () => {
    const cid = leaf(1)
    const res = await get(`/ipfs/${cid}?format=raw`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.ipld.raw')
    expect(res.headers.get('etag')).toBe(`"${cid}.raw"`)
    expect(res.headers.get('cache-control')).toContain('immutable')
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${cid}.bin"`)
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes.subarray(MiB, 2 * MiB)))).toBe(true)
    const byAccept = await get(`/ipfs/${cid}`, {
      headers: { Accept: 'text/html;q=0.9, application/vnd.ipld.raw' },
    })
    expect(byAccept.status).toBe(200)
    expect((await byAccept.arrayBuffer()).byteLength).toBe(MiB)
    const cached = await get(`/ipfs/${cid}?format=raw`, { headers: { 'If-None-Match': `"${cid}.raw"` } })
    expect(cached.status).toBe(304)
    const head = await get(`/ipfs/${cid}?format=raw`, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(MiB))
  })

  it('refuses what it does not serve', async () => {
    const absent = blockCid(RAW, new Uint8Array([9]))
    expect((await get(`/ipfs/${absent}?format=raw`)).status).toBe(404)
    expect((await get(`/ipfs/${absent}?format=car`)).status).toBe(404)
    expect((await get(`/ipfs/${leaf(0)}`)).status).toBe(400)
    expect((await get(`/ipfs/${leaf(0)}`, { headers: { Accept: 'text/html' } })).status).toBe(406)
    expect((await get(`/ipfs/${leaf(0)}?format=tar`)).status).toBe(400)
    expect((await get(`/ipfs/${leaf(0)}?format=car&dag-scope=most`)).status).toBe(400)
    expect((await get(`/ipfs/${leaf(0)}?format=car&entity-bytes=x:2`)).status).toBe(400)
    expect(
      (await get(`/ipfs/${leaf(0)}`, { headers: { Accept: 'application/vnd.ipld.car; version=2' } })).status,
    ).toBe(406)
    expect((await get(`/ipfs/${leaf(0)}/a?format=raw`)).status).toBe(400)
    expect((await get('/ipfs/notacid?format=raw')).status).toBe(400)
    expect((await get('/elsewhere')).status).toBe(404)
    expect((await get(`/ipfs/${leaf(0)}?format=raw`, { method: 'POST' })).status).toBe(405)
  })

  it('streams the whole DAG depth-first, each block once (order=dfs; dups=n)', async () => {
    const res = await get(`/ipfs/${packed.root}`, {
      headers: { Accept: 'application/vnd.ipld.car; version=1; order=dfs' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=n')
    const { roots, cids } = await carBlocks(res)
    expect(roots).toEqual([packed.root.toString()])
    // manifest, file node, leaves 0, 1, 2, (3 repeats 0), 4, 5
    expect(cids).toEqual([packed.root, packed.file, leaf(0), leaf(1), leaf(2), leaf(4), leaf(5)].map(String))
  })

  it('sends repeated blocks each time with dups=y', async () => {
    const res = await get(`/ipfs/${packed.file}?format=car&car-dups=y`)
    expect(res.headers.get('content-type')).toBe('application/vnd.ipld.car; version=1; order=dfs; dups=y')
    expect((await carBlocks(res)).cids).toEqual(
      [packed.file, leaf(0), leaf(1), leaf(2), leaf(0), leaf(4), leaf(5)].map(String),
    )
  })

  it('honours dag-scope and entity-bytes', async () => {
    const scope = async (query: string) =>
      (await carBlocks(await get(`/ipfs/${packed.file}?format=car&${query}`))).cids
    expect(await scope('dag-scope=block')).toEqual([packed.file.toString()])
    expect(await scope('dag-scope=entity')).toHaveLength(7 - 1) // the file's blocks, leaf 0 once
    expect(await scope(`entity-bytes=${MiB}:${MiB + 4}`)).toEqual([packed.file, leaf(1)].map(String))
    expect(await scope(`entity-bytes=${MiB - 1}:${2 * MiB}`)).toEqual(
      [packed.file, leaf(0), leaf(1), leaf(2)].map(String),
    )
    expect(await scope('entity-bytes=-100:*')).toEqual([packed.file, leaf(5)].map(String))
    expect(await scope(`entity-bytes=${2 * MiB}:-${3 * MiB}`)).toEqual([packed.file, leaf(2)].map(String))
    expect(await scope('entity-bytes=10:5')).toEqual([packed.file.toString()])
    expect((await get(`/ipfs/${packed.file}?format=car&entity-bytes=${10 * MiB}:*`)).status).toBe(400)
    // entity on a dag-cbor block is the block alone
    expect((await carBlocks(await get(`/ipfs/${packed.root}?format=car&dag-scope=entity`))).cids).toEqual([
      packed.root.toString(),
    ])
  })

  it('follows a path through the manifest to the file', async () => {
    const res = await get(`/ipfs/${packed.root}/file?format=car&dag-scope=block`)
    expect(res.status).toBe(200)
    expect((await carBlocks(res)).cids).toEqual([packed.root, packed.file].map(String))
    expect((await get(`/ipfs/${packed.root}/nothing?format=car`)).status).toBe(404)
  })

  it('answers HEAD for a CAR without a body', async () => {
    const res = await get(`/ipfs/${packed.root}?format=car`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/vnd.ipld.car')
    expect((await res.arrayBuffer()).byteLength).toBe(0)
  })
})

describe('openCar / the client over a trustless gateway', () => {
  it('reads the manifest and byte ranges, one request per range, each block checked', async () => {
    const car = await openCar(`${gateway.url}/ipfs/${packed.root}`)
    try {
      const manifest = await car.manifest()
      expect(manifest.layout === 'file' && manifest.file.equals(packed.file)).toBe(true)
      const file = await car.file()
      expect(file.byteLength).toBe(bytes.length)
      const slice = await file.read(2 * MiB - 3, 2 * MiB + 3)
      expect(Buffer.from(slice).equals(Buffer.from(bytes.subarray(2 * MiB - 3, 2 * MiB + 3)))).toBe(true)
      const out = join(dir, 'through-gateway.bin')
      await car.exportFile(out)
      expect(readFileSync(out).equals(Buffer.from(bytes))).toBe(true)
      const report = await car.verify()
      expect(report).toMatchObject({ ok: true, missing: [], problems: [] })
      expect(report.blocks).toBe(packed.blocks)
      expect(await car.has(leaf(5))).toBe(true)
      expect(await car.has(blockCid(RAW, new Uint8Array([7])))).toBe(false)
      const all: CID[] = []
      for await (const block of car.blocks()) all.push(block.cid)
      expect(all.map(String)).toEqual(
        [packed.root, packed.file, leaf(0), leaf(1), leaf(2), leaf(4), leaf(5)].map(String),
      )
    } finally {
      await car.close()
    }
  })

  it('refuses a gateway URL with a path after the CID, and a root the gateway lacks', async () => {
    await expect(openCar(`${gateway.url}/ipfs/${packed.root}/file`)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    })
    const absent = blockCid(RAW, new Uint8Array([8]))
    await expect(openCar(`${gateway.url}/ipfs/${absent}`)).rejects.toMatchObject({
      code: 'CAR_MISSING_BLOCK',
    })
  })

  it('reads a kubo-v0 DAG (dag-pb leaves) through the gateway', async () => {
    const small = join(dir, 'small.bin')
    const content = pseudoRandomBytes(700_000, 5)
    writeFileSync(small, content)
    const v0 = await packFile(small, join(dir, 'small.car'), { profile: 'kubo-v0' })
    const server = await serveGateway({ cars: [join(dir, 'small.car')] })
    try {
      const car = await openCar(`${server.url}/ipfs/${v0.file}`)
      const file = await car.file()
      expect(
        Buffer.from(await file.read(262_000, 530_000)).equals(
          Buffer.from(content.subarray(262_000, 530_000)),
        ),
      ).toBe(true)
      expect(dagPb.decode(await car.get(v0.file)).Links).toHaveLength(3)
      await car.close()
    } finally {
      await server.close()
    }
  })
})

describe('a DAG with an identity node that links a block', () => {
  it('the gateway sends what the identity node links, and the client checks it as needed', async () => {
    const leafBytes = pseudoRandomBytes(500, 12)
    const leafCid = blockCid(RAW, leafBytes)
    const inline = CID.createV1(DAG_CBOR, createDigest(0x00, dagCbor.encode({ leaf: leafCid })))
    const rootBytes = dagCbor.encode({ inline })
    const root = cborCid(rootBytes)
    const path = join(dir, 'identity-node.car')
    writeFileSync(
      path,
      await carBytes(
        [
          { cid: root, bytes: rootBytes },
          { cid: leafCid, bytes: leafBytes },
        ],
        [root],
      ),
    )
    const server = await serveGateway({ cars: [path] })
    try {
      const car = await openCar(`${server.url}/ipfs/${root}`)
      const report = await car.verify()
      await car.close()
      expect(report).toMatchObject({ ok: true, blocks: 2, missing: [], problems: [] })
    } finally {
      await server.close()
    }
  })
})

describe('serveGateway over a corrupt CAR', () => {
  it('never sends a block that does not match its CID: 500 for the block, a cut CAR stream, a typed error for the client', async () => {
    const car = join(dir, 'data.car')
    const bad = flipped(car, (await blockOffset(car, leaf(2))) + 9, dir, 'corrupt.car')
    const server = await serveGateway({ cars: [bad] })
    try {
      const raw = await fetch(`${server.url}/ipfs/${leaf(2)}?format=raw`)
      expect(raw.status).toBe(500)
      expect(await raw.text()).toContain('do not hash to its CID')
      const stream = await fetch(`${server.url}/ipfs/${packed.file}?format=car`)
      expect(stream.status).toBe(200)
      await expect(stream.arrayBuffer()).rejects.toThrow()
      const client = await openCar(`${server.url}/ipfs/${packed.root}`, { retries: 0 })
      const file = await client.file()
      expect((await file.read(0, 10)).length).toBe(10)
      await expect(file.read(2 * MiB, 2 * MiB + 10)).rejects.toMatchObject({
        code: expect.stringMatching(/^(CAR_TRUNCATED|HTTP_)/),
      })
      await client.close()
    } finally {
      await server.close()
    }
  })
})
