import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { blockCid, RAW } from './cid.js'
import { openCar } from './open-car.js'
import { type PackResult, packFile } from './pack.js'
import { blockOffset } from './test-support/corrupt.js'
import { tempDir } from './test-support/files.js'
import { pseudoRandomBytes } from './test-support/importer.js'

const dir = tempDir()
const MiB = 1 << 20
// a large CAR: 71 leaves of 1 MiB and the nodes above them
const bytes = pseudoRandomBytes(70 * MiB + 12_345, 61)
const car = join(dir, 'large.car')
let packed: PackResult

beforeAll(async () => {
  writeFileSync(join(dir, 'large.bin'), bytes)
  packed = await packFile(join(dir, 'large.bin'), car)
}, 60_000)

describe('verify() of a large CAR', () => {
  it('calls a sound CAR sound, every block counted once', async () => {
    const reader = await openCar(car)
    try {
      const report = await reader.verify()
      expect(report).toMatchObject({
        ok: true,
        blocks: packed.blocks,
        duplicates: 0,
        missing: [],
        problems: [],
      })
      expect(report.bytes).toBeGreaterThan(bytes.length)
    } finally {
      await reader.close()
    }
  })

  it('names every wrong leaf, in file order, and what the DAG then lacks', async () => {
    const leaves = [0, 1, 2, 5, 40].map((i) => blockCid(RAW, bytes.subarray(i * MiB, (i + 1) * MiB)))
    const copy = Buffer.from(readFileSync(car))
    for (const leaf of leaves) {
      const at = (await blockOffset(car, leaf)) + 1000
      copy[at] = (copy[at] as number) ^ 0x10
    }
    const spoiled = join(dir, 'spoiled.car')
    writeFileSync(spoiled, copy)
    const reader = await openCar(spoiled, { index: false })
    try {
      const report = await reader.verify()
      expect(report.ok).toBe(false)
      expect(report.problems.map((p) => [p.code, p.cid])).toEqual(
        leaves.map((leaf) => ['CAR_HASH_MISMATCH', leaf.toString()]),
      )
      expect(report.missing.map(String)).toEqual(leaves.map(String))
      expect(report.blocks).toBe(packed.blocks)
    } finally {
      await reader.close()
    }
  })
})
