import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CarFileSource } from './car-file-source.js'
import { type CarReader, SourceCarReader } from './car-reader.js'
import { blockCid, RAW } from './cid.js'
import { openCar } from './open-car.js'
import { type PackResult, packFile } from './pack.js'
import { carBytes } from './test-support/car-bytes.js'
import { tempDir } from './test-support/files.js'
import { pseudoRandomBytes } from './test-support/importer.js'
import { serveFile } from './test-support/range-server.js'

const dir = tempDir()
const MiB = 1 << 20
const bytes = pseudoRandomBytes(5 * MiB + 777, 21)
const source = join(dir, 'five.bin')
const carPath = join(dir, 'five.car')
let packed: PackResult

beforeAll(async () => {
  writeFileSync(source, bytes)
  packed = await packFile(source, carPath)
})

async function withCar<T>(path: string, fn: (car: CarReader) => Promise<T>, options = {}): Promise<T> {
  const car = await openCar(path, options)
  try {
    return await fn(car)
  } finally {
    await car.close()
  }
}

describe('openCar over a local CAR', () => {
  it('names the manifest as its root and finds every block through the sidecar', async () => {
    const opened = await CarFileSource.open(carPath)
    try {
      expect(opened.indexFromSidecar).toBe(true)
      expect(opened.roots.map(String)).toEqual([packed.root.toString()])
      expect(opened.index.size).toBe(packed.blocks)
    } finally {
      await opened.close()
    }
  })

  it('scans the CAR when the sidecar is missing, stale or damaged, and finds the same blocks', async () => {
    const sidecar = `${carPath}.idx`
    const good = readFileSync(sidecar)
    try {
      const damaged = Buffer.from(good)
      damaged[damaged.length - 40] = (damaged[damaged.length - 40] as number) ^ 1
      writeFileSync(sidecar, damaged)
      const scanned = await CarFileSource.open(carPath, { index: false })
      const again = await CarFileSource.open(carPath)
      try {
        expect(scanned.indexFromSidecar).toBe(false)
        expect(again.indexFromSidecar).toBe(false)
        expect([...scanned.index.entries()]).toEqual([...again.index.entries()])
        expect(scanned.index.size).toBe(packed.blocks)
      } finally {
        await scanned.close()
        await again.close()
      }
      rmSync(sidecar)
      const none = await CarFileSource.open(carPath, { index: true })
      await none.close()
      expect(readFileSync(sidecar).equals(good)).toBe(true)
    } finally {
      writeFileSync(sidecar, good)
    }
  })

  it('gets blocks by CID string or object, checked, and tells which it has', async () => {
    await withCar(carPath, async (car) => {
      const leaf = blockCid(RAW, bytes.subarray(0, MiB))
      expect(await car.has(leaf)).toBe(true)
      expect(await car.has(leaf.toString())).toBe(true)
      expect(Buffer.from(await car.get(leaf.toString())).equals(Buffer.from(bytes.subarray(0, MiB)))).toBe(
        true,
      )
      const absent = blockCid(RAW, new Uint8Array([1, 2, 3]))
      expect(await car.has(absent)).toBe(false)
      await expect(car.get(absent)).rejects.toMatchObject({
        code: 'CAR_MISSING_BLOCK',
        cid: absent.toString(),
      })
      // identity CIDs carry their bytes
      expect((await car.get('bafkqaaa')).length).toBe(0)
      await expect(car.get('not a cid')).rejects.toMatchObject({ code: 'CAR_BAD_CID' })
    })
  })

  it('reads byte ranges of the file, fetching only the blocks they cover', async () => {
    await withCar(carPath, async (car) => {
      const file = await car.file()
      expect(file.byteLength).toBe(bytes.length)
      expect(file.version).toBe(packed.file.toString())
      const slice = await file.read(MiB - 10, MiB + 10)
      expect(Buffer.from(slice).equals(Buffer.from(bytes.subarray(MiB - 10, MiB + 10)))).toBe(true)
      expect(file.stats.requests).toBe(2) // the two leaves around the boundary
      const tail = await file.read(bytes.length - 5, bytes.length + 100)
      expect(Buffer.from(tail).equals(Buffer.from(bytes.subarray(bytes.length - 5)))).toBe(true)
      expect(file.stats.requests).toBe(3)
      expect((await file.read(7, 7)).length).toBe(0)
      await expect(file.read(-1, 3)).rejects.toMatchObject({ code: 'INVALID_RANGE' })
      await file.close()
      await expect(file.read(0, 1)).rejects.toMatchObject({ code: 'CLOSED' })
    })
  })

  it('lists every block in order, checked, and verifies the DAG complete', async () => {
    await withCar(carPath, async (car) => {
      let count = 0
      let last: CID | undefined
      for await (const block of car.blocks()) {
        count++
        last = block.cid
      }
      expect(count).toBe(packed.blocks)
      expect(last?.equals(packed.root)).toBe(true)
      const report = await car.verify()
      expect(report).toMatchObject({
        ok: true,
        blocks: packed.blocks,
        duplicates: 0,
        missing: [],
        problems: [],
        unreachable: 0,
      })
    })
  })

  it('reads a CARv2 (the CARv1 payload after the v2 header)', async () => {
    const v1 = readFileSync(carPath)
    const header = Buffer.alloc(40)
    const dataOffset = 11 + 40 + 13 // some padding after the header, as CARv2 allows
    header.writeBigUInt64LE(BigInt(dataOffset), 16)
    header.writeBigUInt64LE(BigInt(v1.length), 24)
    header.writeBigUInt64LE(0n, 32)
    const pragma = Buffer.from([0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02])
    const v2 = join(dir, 'five.v2.car')
    writeFileSync(v2, Buffer.concat([pragma, header, Buffer.alloc(13), v1]))
    await withCar(v2, async (car) => {
      expect(car.roots[0]?.equals(packed.root)).toBe(true)
      expect((await car.verify()).ok).toBe(true)
      const out = join(dir, 'five.v2.out')
      await car.exportFile(out)
      expect(readFileSync(out).equals(Buffer.from(bytes))).toBe(true)
    })
  })

  it('reads a CAR written by @ipld/car whose root is a UnixFS file', async () => {
    const leaf = new TextEncoder().encode('hello world')
    const cid = blockCid(RAW, leaf)
    const path = join(dir, 'ipld.car')
    writeFileSync(path, await carBytes([{ cid, bytes: leaf }], [cid]))
    await withCar(path, async (car) => {
      const file = await car.file()
      expect(new TextDecoder().decode(await file.read(0, 100))).toBe('hello world')
      await expect(car.manifest()).rejects.toMatchObject({ code: 'CAR_NO_MANIFEST' })
    })
  })
})

describe('openCar over http(s)', () => {
  let server: Awaited<ReturnType<typeof serveFile>>
  beforeAll(async () => {
    server = await serveFile(carPath)
  })
  afterAll(() => server.close())

  it('indexes a remote CAR with range requests and reads it like a local one', async () => {
    await withCar(server.url, async (car) => {
      expect(car.roots[0]?.equals(packed.root)).toBe(true)
      const file = await car.file()
      expect(
        Buffer.from(await file.read(3 * MiB, 3 * MiB + 100)).equals(
          Buffer.from(bytes.subarray(3 * MiB, 3 * MiB + 100)),
        ),
      ).toBe(true)
      expect((await car.verify()).ok).toBe(true)
    })
    expect(server.requests()).toBeGreaterThan(0)
  })
})

describe('interoperability', () => {
  it('ipfs-car unpacks the file from our CAR (every block validated) and names its root', () => {
    const require = createRequire(import.meta.url)
    const bin = join(require.resolve('ipfs-car/package.json'), '..', 'bin.js')
    const out = join(dir, 'unpacked.bin')
    const roots = spawnSync(process.execPath, [bin, 'roots', carPath], { encoding: 'utf8' })
    expect(roots.status).toBe(0)
    expect(roots.stdout.trim()).toBe(packed.root.toString())
    const unpack = spawnSync(
      process.execPath,
      [bin, 'unpack', carPath, '--root', packed.file.toString(), '--output', out],
      {
        encoding: 'utf8',
      },
    )
    expect(unpack.stderr).toBe('')
    expect(unpack.status).toBe(0)
    expect(readFileSync(out).equals(Buffer.from(bytes))).toBe(true)
  })

  it('is what SourceCarReader wraps (a CarReader over any block source)', async () => {
    const opened = await CarFileSource.open(carPath)
    const car = new SourceCarReader(carPath, opened)
    expect(car.roots).toEqual(opened.roots)
    await car.close()
    expect(CID.asCID(car.roots[0])).not.toBeNull()
  })
})
