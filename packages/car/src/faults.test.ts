import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha512 } from 'multiformats/hashes/sha2'
import { beforeAll, describe, expect, it } from 'vitest'
import { CarFileSource } from './car-file-source.js'
import { blockCid, cborCid, DAG_CBOR, DAG_PB, RAW } from './cid.js'
import { CarError } from './errors.js'
import { encodeManifest } from './manifest.js'
import { openCar } from './open-car.js'
import { type PackResult, packFile } from './pack.js'
import type { Profile } from './profiles.js'
import { carBytes } from './test-support/car-bytes.js'
import { blockOffset, flipped } from './test-support/corrupt.js'
import { tempDir } from './test-support/files.js'
import { pseudoRandomBytes } from './test-support/importer.js'

const dir = tempDir()
const MiB = 1 << 20
const bytes = pseudoRandomBytes(3 * MiB + 99, 31)
const packs = new Map<Profile, { car: string; result: PackResult }>()

beforeAll(async () => {
  const path = join(dir, 'src.bin')
  writeFileSync(path, bytes)
  for (const profile of ['unixfs-v1-2025', 'kubo-v0'] as const) {
    const car = join(dir, `${profile}.car`)
    packs.set(profile, { car, result: await packFile(path, car, { profile }) })
  }
})

async function carOf(blocks: { cid: CID; bytes: Uint8Array }[], roots: CID[], name: string): Promise<string> {
  const path = join(dir, name)
  writeFileSync(path, await carBytes(blocks, roots))
  return path
}

describe('a flipped byte in each kind of block', () => {
  const cases = [
    {
      kind: 'a raw leaf',
      profile: 'unixfs-v1-2025' as Profile,
      pick: () => blockCid(RAW, bytes.subarray(MiB, 2 * MiB)),
      fileRead: true,
    },
    {
      kind: 'a dag-pb file node',
      profile: 'unixfs-v1-2025' as Profile,
      pick: (r: PackResult) => r.file,
      fileRead: true,
    },
    {
      kind: 'a dag-pb leaf (kubo-v0)',
      profile: 'kubo-v0' as Profile,
      pick: (r: PackResult, car: string) => leafOf(car, r),
      fileRead: true,
    },
    {
      kind: 'the dag-cbor manifest',
      profile: 'unixfs-v1-2025' as Profile,
      pick: (r: PackResult) => r.root,
      fileRead: false,
    },
  ]

  it.each(cases)(
    '$kind: never handed out; CAR_HASH_MISMATCH names the CID and the byte',
    async ({ profile, pick, fileRead }) => {
      const { car, result } = packs.get(profile) as { car: string; result: PackResult }
      const cid = await pick(result, car)
      const offset = await blockOffset(car, cid)
      const bad = flipped(car, offset + 7, dir, `bad-${profile}-${cid}.car`)
      const reader = await openCar(bad)
      try {
        const err = await reader.get(cid).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(CarError)
        expect(err).toMatchObject({
          code: 'CAR_HASH_MISMATCH',
          cid: cid.toString(),
          location: { file: bad, byte: offset },
        })
        expect((err as Error).message).toContain(cid.toString())
        if (fileRead) {
          const read = async () => (await reader.file(result.file)).read(0, bytes.length)
          await expect(read()).rejects.toMatchObject({ code: 'CAR_HASH_MISMATCH' })
          await expect(reader.exportFile(join(dir, 'never.out'), result.file)).rejects.toMatchObject({
            code: 'CAR_HASH_MISMATCH',
          })
        } else {
          await expect(reader.manifest()).rejects.toMatchObject({ code: 'CAR_HASH_MISMATCH' })
        }
        const handedOut: string[] = []
        await expect(
          (async () => {
            for await (const block of reader.blocks()) handedOut.push(block.cid.toString())
          })(),
        ).rejects.toMatchObject({ code: 'CAR_HASH_MISMATCH', cid: cid.toString() })
        expect(handedOut).not.toContain(cid.toString())
        const report = await reader.verify()
        expect(report.ok).toBe(false)
        expect(report.problems.map((p) => [p.code, p.cid])).toEqual([['CAR_HASH_MISMATCH', cid.toString()]])
      } finally {
        await reader.close()
      }
    },
  )

  it('a manifest page: the manifest cannot be read', async () => {
    const csv = join(dir, 'rows.csv')
    writeFileSync(csv, `id,name\n${Array.from({ length: 50 }, (_, i) => `${i},n${i}`).join('\n')}\n`)
    const car = join(dir, 'rows.car')
    await packFile(csv, car, { batchRows: 10 })
    const source = await CarFileSource.open(car)
    const root = source.roots[0] as CID
    const page = (dagCbor.decode(await source.get(root)) as { batches: { pages: CID[] } }).batches
      .pages[0] as CID
    await source.close()
    const bad = flipped(car, await blockOffset(car, page), dir, 'bad-page.car')
    const reader = await openCar(bad)
    await expect(reader.manifest()).rejects.toMatchObject({ code: 'CAR_HASH_MISMATCH', cid: page.toString() })
    await reader.close()
  })

  it("a CID's bytes: the block it should be is missing from the DAG", async () => {
    const { car, result } = packs.get('unixfs-v1-2025') as { car: string; result: PackResult }
    const leaf = blockCid(RAW, bytes.subarray(0, MiB))
    const offset = await blockOffset(car, leaf)
    // the last digest byte of the section's CID, just before the block
    const bad = flipped(car, offset - 1, dir, 'bad-cid.car')
    const reader = await openCar(bad)
    try {
      const report = await reader.verify()
      expect(report.ok).toBe(false)
      expect(report.missing.map(String)).toEqual([leaf.toString()])
      expect(report.problems.map((p) => p.code)).toEqual(['CAR_HASH_MISMATCH'])
      await expect((await reader.file(result.file)).read(0, 10)).rejects.toMatchObject({
        code: 'CAR_MISSING_BLOCK',
        cid: leaf.toString(),
      })
    } finally {
      await reader.close()
    }
  })
})

describe('a broken CAR', () => {
  it('truncated inside a block: CAR_TRUNCATED naming the section', async () => {
    const { car } = packs.get('unixfs-v1-2025') as { car: string; result: PackResult }
    const whole = readFileSync(car)
    const cut = join(dir, 'cut.car')
    writeFileSync(cut, whole.subarray(0, whole.length - 500))
    await expect(openCar(cut)).rejects.toMatchObject({ code: 'CAR_TRUNCATED', location: { file: cut } })
    writeFileSync(cut, whole.subarray(0, 30))
    await expect(openCar(cut)).rejects.toMatchObject({ code: 'CAR_TRUNCATED' })
    writeFileSync(cut, new Uint8Array(0))
    await expect(openCar(cut)).rejects.toMatchObject({ code: 'CAR_TRUNCATED' })
  })

  it('a bad header or varint', async () => {
    const path = join(dir, 'bad-header.car')
    writeFileSync(path, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))
    await expect(openCar(path)).rejects.toMatchObject({ code: 'CAR_BAD_VARINT', location: { byte: 0 } })
    const notCbor = Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff])
    writeFileSync(path, notCbor)
    await expect(openCar(path)).rejects.toMatchObject({ code: 'CAR_BAD_HEADER' })
    const v3 = dagCbor.encode({ roots: [], version: 3 })
    writeFileSync(path, Buffer.concat([Buffer.from([v3.length]), v3]))
    await expect(openCar(path)).rejects.toMatchObject({ code: 'CAR_UNSUPPORTED_VERSION' })
    const noRoots = dagCbor.encode({ version: 1, roots: ['x'] })
    writeFileSync(path, Buffer.concat([Buffer.from([noRoots.length]), noRoots]))
    await expect(openCar(path)).rejects.toMatchObject({ code: 'CAR_BAD_HEADER' })
    const { car } = packs.get('unixfs-v1-2025') as { car: string; result: PackResult }
    const whole = readFileSync(car)
    const headerLength = (whole[0] as number) + 1
    writeFileSync(
      path,
      Buffer.concat([
        whole.subarray(0, headerLength),
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      ]),
    )
    await expect(openCar(path)).rejects.toMatchObject({
      code: 'CAR_BAD_VARINT',
      location: { byte: headerLength },
    })
  })

  it('an unsupported hash or codec: named when the block is asked for, and listed by verify', async () => {
    const data = new TextEncoder().encode('{"a":1}')
    const sha512Cid = CID.createV1(RAW, await sha512.digest(data))
    const jsonCid = blockCid(0x0129, data) // dag-json
    const root = cborCid(dagCbor.encode({ a: sha512Cid, b: jsonCid }))
    const path = await carOf(
      [
        { cid: root, bytes: dagCbor.encode({ a: sha512Cid, b: jsonCid }) },
        { cid: sha512Cid, bytes: data },
        { cid: jsonCid, bytes: data },
      ],
      [root],
      'exotic.car',
    )
    const reader = await openCar(path)
    try {
      await expect(reader.get(sha512Cid)).rejects.toMatchObject({
        code: 'CAR_UNSUPPORTED_HASH',
        cid: sha512Cid.toString(),
      })
      expect(Buffer.from(await reader.get(jsonCid)).toString()).toBe('{"a":1}')
      await expect(reader.file(jsonCid)).rejects.toMatchObject({ code: 'CAR_NOT_A_FILE' })
      const report = await reader.verify()
      expect(report.ok).toBe(false)
      expect(report.problems.map((p) => [p.code, p.cid]).sort()).toEqual(
        [
          ['CAR_UNSUPPORTED_CODEC', jsonCid.toString()],
          ['CAR_UNSUPPORTED_HASH', sha512Cid.toString()],
        ].sort(),
      )
    } finally {
      await reader.close()
    }
  })

  it('a root naming a block under another codec than the CAR holds it: verify does not call it sound', async () => {
    const leaf = pseudoRandomBytes(100, 8)
    const leafCid = blockCid(RAW, leaf)
    const node = dagPb.encode(dagPb.prepare({ Links: [{ Hash: leafCid, Name: 'x', Tsize: 100 }] }))
    const nodeCid = blockCid(DAG_PB, node)
    const asRaw = CID.createV1(RAW, nodeCid.multihash)
    const asJson = CID.createV1(0x0129, nodeCid.multihash)
    for (const [root, code] of [
      [asRaw, 'CAR_BAD_BLOCK'],
      [asJson, 'CAR_UNSUPPORTED_CODEC'],
    ] as const) {
      // the leaf left out: read as raw, the root would link nothing and the CAR would look complete
      const path = await carOf([{ cid: nodeCid, bytes: node }], [root], `relabel-${code}.car`)
      const reader = await openCar(path)
      try {
        const report = await reader.verify()
        expect(report.ok).toBe(false)
        expect(report.problems.map((p) => [p.code, p.cid])).toEqual([[code, root.toString()]])
      } finally {
        await reader.close()
      }
    }
  })

  it('an identity root whose inline block does not decode, or links a block the CAR lacks: verify says so', async () => {
    const leaf = pseudoRandomBytes(10, 9)
    const leafCid = blockCid(RAW, leaf)
    const junk = CID.createV1(DAG_CBOR, createDigest(0x00, new Uint8Array([0xff, 0xff, 0x00])))
    const linking = CID.createV1(DAG_CBOR, createDigest(0x00, dagCbor.encode({ leaf: leafCid })))
    const path = await carOf([], [junk, linking], 'identity-roots.car')
    const reader = await openCar(path)
    try {
      const report = await reader.verify()
      expect(report.ok).toBe(false)
      expect(report.problems.map((p) => [p.code, p.cid])).toEqual([['CAR_BAD_BLOCK', junk.toString()]])
      expect(report.missing.map(String)).toEqual([leafCid.toString()])
    } finally {
      await reader.close()
    }
  })

  it('a block over the size limit: CAR_BLOCK_TOO_LARGE before it is read', async () => {
    const big = pseudoRandomBytes(3 * MiB, 4)
    const cid = blockCid(RAW, big)
    const path = await carOf([{ cid, bytes: big }], [cid], 'big.car')
    await expect(openCar(path)).rejects.toMatchObject({
      code: 'CAR_BLOCK_TOO_LARGE',
      location: { file: path },
    })
    const reader = await openCar(path, { maxBlockBytes: 4 * MiB })
    expect((await reader.get(cid)).length).toBe(3 * MiB)
    await reader.close()
  })

  it('a missing block: verify lists it, reads name it', async () => {
    const { car, result } = packs.get('unixfs-v1-2025') as { car: string; result: PackResult }
    const missing = blockCid(RAW, bytes.subarray(2 * MiB, 3 * MiB))
    const source = await CarFileSource.open(car)
    const blocks: { cid: CID; bytes: Uint8Array }[] = []
    for await (const block of source.blocks())
      if (!block.cid.equals(missing)) blocks.push({ cid: block.cid, bytes: block.bytes.slice() })
    await source.close()
    const path = await carOf(blocks, [result.root], 'holes.car')
    const reader = await openCar(path)
    try {
      const report = await reader.verify()
      expect(report.ok).toBe(false)
      expect(report.missing.map(String)).toEqual([missing.toString()])
      const file = await reader.file()
      expect((await file.read(0, 100)).length).toBe(100)
      await expect(file.read(2 * MiB, 2 * MiB + 1)).rejects.toMatchObject({
        code: 'CAR_MISSING_BLOCK',
        cid: missing.toString(),
      })
    } finally {
      await reader.close()
    }
  })

  it('a manifest that points past the file: CAR_BAD_MANIFEST', async () => {
    const leaf = new TextEncoder().encode('a,b\n1,2\n')
    const file = blockCid(RAW, leaf)
    const blocks = encodeManifest(
      {
        layout: 'file',
        name: 'x.csv',
        format: 'csv',
        profile: 'unixfs-v1-2025',
        file,
        byteLength: leaf.length,
        sha256: '00'.repeat(32),
        schema: undefined,
        numRows: 1,
        header: { byteStart: 0, byteEnd: 4 },
        batches: [{ rowStart: 0, rowEnd: 1, byteStart: 4, byteEnd: 4000 }],
      },
      cborCid,
    )
    const root = (blocks.at(-1) as { cid: CID }).cid
    const path = await carOf(
      [...blocks.map((b) => ({ cid: b.cid, bytes: b.bytes })), { cid: file, bytes: leaf }],
      [root],
      'past.car',
    )
    const reader = await openCar(path)
    try {
      const err = await reader.manifest().catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'CAR_BAD_MANIFEST', cid: root.toString() })
      expect((err as Error).message).toContain('past the end')
    } finally {
      await reader.close()
    }
    expect(root.code).toBe(DAG_CBOR)
  })
})

/** The second leaf of a kubo-v0 DAG: a dag-pb node (CIDv0) holding bytes [256 KiB, 512 KiB). */
async function leafOf(car: string, result: PackResult): Promise<CID> {
  const reader = await openCar(car)
  try {
    return dagPb.decode(await reader.get(result.file)).Links[1]?.Hash as CID
  } finally {
    await reader.close()
  }
}
