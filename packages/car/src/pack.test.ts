import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import { describe, expect, it } from 'vitest'
import { openCar } from './open-car.js'
import { packFile } from './pack.js'
import { PROFILES, type Profile } from './profiles.js'
import { tempDir } from './test-support/files.js'
import { importerDag, pseudoRandomBytes } from './test-support/importer.js'

const dir = tempDir()
const MiB = 1 << 20

function fileOf(name: string, bytes: Uint8Array): string {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

describe('packFile', () => {
  it('gives the kubo CIDs of the known constants', async () => {
    const empty = fileOf('empty.bin', new Uint8Array(0))
    const hello = fileOf('hello.txt', new TextEncoder().encode('hello world\n'))
    const hello1 = fileOf('hello1.txt', new TextEncoder().encode('hello world'))
    expect((await packFile(empty, join(dir, 'e.car'), { profile: 'kubo-v0' })).file.toString()).toBe(
      'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH',
    )
    expect((await packFile(hello, join(dir, 'h.car'), { profile: 'kubo-v0' })).file.toString()).toBe(
      'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o',
    )
    expect((await packFile(hello1, join(dir, 'h1.car'))).file.toString()).toBe(
      'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e',
    )
  })

  it.each(Object.keys(PROFILES) as Profile[])(
    '%s: the file CID equals the importer, and the CAR holds each block once',
    async (profile) => {
      const bytes = pseudoRandomBytes(3 * MiB + 12345, 11)
      // a repeated stretch: the same chunks twice
      bytes.set(bytes.subarray(0, MiB), 2 * MiB)
      const path = fileOf(`r-${profile}.bin`, bytes)
      const car = join(dir, `r-${profile}.car`)
      const result = await packFile(path, car, { profile })
      const theirs = await importerDag(bytes, PROFILES[profile])
      expect(result.file.toString()).toBe(theirs.root)
      const seen = new Set<string>()
      const iterator = await CarBlockIterator.fromBytes(readFileSync(car))
      expect((await iterator.getRoots()).map(String)).toEqual([result.root.toString()])
      let largest = 0
      for await (const { cid, bytes } of iterator) {
        expect(seen.has(cid.toString())).toBe(false)
        seen.add(cid.toString())
        // no block past 1 MiB and a node's framing (the IPFS network's limit is 2 MiB)
        expect(bytes.length).toBeLessThanOrEqual(MiB + 64 * 1024)
        largest = Math.max(largest, bytes.length)
      }
      // the profile's chunks are there whole: 1 MiB raw leaves, or 256 KiB (in a dag-pb node for v0)
      const chunk = profile === 'unixfs-v1-2025' ? MiB : 256 * 1024
      expect(largest).toBeGreaterThanOrEqual(chunk)
      expect(largest).toBeLessThanOrEqual(chunk + 64)
      // the importer's blocks, plus the manifest (one block: a binary file has no batch pages)
      expect(seen.size).toBe(theirs.blocks.size + 1)
      for (const cid of theirs.blocks.keys()) expect(seen.has(cid)).toBe(true)
      expect(result.duplicates).toBeGreaterThan(0)
      expect(result.blocks).toBe(seen.size)
    },
  )

  it('writes the same bytes twice for the same input and profile', async () => {
    const path = fileOf('same.bin', pseudoRandomBytes(2 * MiB + 3, 5))
    await packFile(path, join(dir, 'same1.car'))
    await packFile(path, join(dir, 'same2.car'))
    expect(readFileSync(join(dir, 'same1.car')).equals(readFileSync(join(dir, 'same2.car')))).toBe(true)
  })

  it('links the file from a manifest with its length and sha2-256, and writes an index sidecar', async () => {
    const bytes = pseudoRandomBytes(MiB + 1, 9)
    const path = fileOf('m.bin', bytes)
    const car = join(dir, 'm.car')
    const result = await packFile(path, car)
    expect(result.manifest).toMatchObject({
      layout: 'file',
      name: 'm.bin',
      format: 'none',
      profile: 'unixfs-v1-2025',
      byteLength: MiB + 1,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      batches: [],
    })
    expect(existsSync(`${car}.idx`)).toBe(true)
    expect(result.stages.hash.mibPerSecond).toBeGreaterThan(0)
    expect(result.carBytes).toBe(statSync(car).size)
    const reader = await openCar(car)
    try {
      const manifest = await reader.manifest()
      expect(manifest.layout === 'file' && manifest.file.equals(result.file)).toBe(true)
      const out = join(dir, 'm.out')
      const exported = await reader.exportFile(out)
      expect(readFileSync(out).equals(Buffer.from(bytes))).toBe(true)
      expect(exported.sha256).toBe(result.manifest.sha256)
    } finally {
      await reader.close()
    }
  })

  it('leaves no CAR and keeps an existing file when the source is missing or packing is aborted', async () => {
    const car = join(dir, 'keep.car')
    writeFileSync(car, 'precious')
    await expect(packFile(join(dir, 'nope.bin'), car)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    const controller = new AbortController()
    controller.abort()
    const path = fileOf('abort.bin', pseudoRandomBytes(MiB, 2))
    await expect(packFile(path, car, { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    })
    expect(readFileSync(car, 'utf8')).toBe('precious')
  })

  it('refuses unknown options', async () => {
    const path = fileOf('o.bin', new Uint8Array(10))
    await expect(packFile(path, join(dir, 'o.car'), { profile: 'nope' as Profile })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    })
    await expect(packFile(path, join(dir, 'o.car'), { batchRows: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    })
  })
})

describe('packFile reuses its chunk buffers only once they are written', () => {
  it.each(['unixfs-v1-2025', 'kubo-cidv1', 'kubo-v0'] as Profile[])(
    '%s: 40 MiB + a short chunk, every block right, the file back',
    async (profile) => {
      const bytes = pseudoRandomBytes(40 * MiB + 4321, 17)
      bytes.set(bytes.subarray(0, 4 * MiB), 20 * MiB) // repeats: chunks written once, buffers given back at once
      const path = fileOf(`pool-${profile}.bin`, bytes)
      const car = join(dir, `pool-${profile}.car`)
      const result = await packFile(path, car, { profile })
      expect(result.file.toString()).toBe((await importerDag(bytes, PROFILES[profile])).root)
      const reader = await openCar(car)
      try {
        expect((await reader.verify()).ok).toBe(true)
        await reader.exportFile(join(dir, `pool-${profile}.out`))
      } finally {
        await reader.close()
      }
      expect(readFileSync(join(dir, `pool-${profile}.out`)).equals(Buffer.from(bytes))).toBe(true)
    },
  )
})
