import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileRangeReader } from '@sd/core'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import { readCarLayout } from './car-header.js'
import { readSections } from './car-sections.js'
import { blockCid, decodeCid, digestMatches, RAW } from './cid.js'
import { carBytes } from './test-support/car-bytes.js'
import { tempDir } from './test-support/files.js'
import { pseudoRandomBytes } from './test-support/importer.js'

const dir = tempDir()

describe('readSections', () => {
  it('gives every section whole wherever the chunks cut it (large identity CIDs included)', async () => {
    const blocks: { cid: CID; bytes: Uint8Array }[] = []
    for (let i = 0; i < 400; i++) {
      if (i % 7 === 3) {
        // an identity CID of up to 128 bytes: the block is its digest
        const bytes = pseudoRandomBytes(100 + (i % 29), i)
        blocks.push({ cid: CID.createV1(RAW, createDigest(0x00, bytes)), bytes })
      } else {
        const bytes = pseudoRandomBytes(1 + ((i * 7919) % 20_000), i)
        blocks.push({ cid: blockCid(RAW, bytes), bytes })
      }
    }
    const path = join(dir, 'mixed.car')
    writeFileSync(path, await carBytes(blocks, [blocks[0]?.cid as CID]))
    const reader = await FileRangeReader.open(path)
    try {
      const layout = await readCarLayout(reader)
      // chunks of 21 KiB and a bit: hundreds of sections straddle two chunks
      for (const readBlocks of [true, false]) {
        const got: { cid: string; offset: number; length: number }[] = []
        for await (const s of readSections(reader, layout.sectionsStart, layout.sectionsEnd, {
          readBlocks,
          maxBlockBytes: 20_000,
          chunkBytes: 1,
        })) {
          const cid = decodeCid(s.cid.slice())
          got.push({ cid: cid.toString(), offset: s.blockOffset, length: s.blockLength })
          const want = blocks[got.length - 1] as { cid: CID; bytes: Uint8Array }
          expect(cid.toString()).toBe(want.cid.toString())
          expect(s.blockLength).toBe(want.bytes.length)
          if (readBlocks) {
            expect(Buffer.from(s.block as Uint8Array).equals(Buffer.from(want.bytes))).toBe(true)
            expect(digestMatches(s.cid, s.parts, s.block as Uint8Array)).toBe(true)
          }
        }
        expect(got).toHaveLength(blocks.length)
      }
    } finally {
      await reader.close()
    }
  })
})
