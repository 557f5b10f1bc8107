import type { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { PROFILES, type ProfileSpec } from './profiles.js'
import { importerDag, importerRoot, pseudoRandomBytes } from './test-support/importer.js'
import { UnixFsFileBuilder } from './unixfs-builder.js'

function build(content: Uint8Array, spec: ProfileSpec): { root: CID; blocks: Map<string, Uint8Array> } {
  const blocks = new Map<string, Uint8Array>()
  const builder = new UnixFsFileBuilder(spec, (cid, block) => blocks.set(cid.toString(), block))
  for (let at = 0; at < content.length; at += spec.chunkBytes)
    builder.addChunk(content.subarray(at, at + spec.chunkBytes))
  return { root: builder.finish().cid, blocks }
}

const text = (s: string) => new TextEncoder().encode(s)

describe('UnixFsFileBuilder: known CIDs', () => {
  it('gives the kubo constants', () => {
    expect(build(new Uint8Array(0), PROFILES['kubo-v0']).root.toString()).toBe(
      'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH',
    )
    expect(build(text('hello world\n'), PROFILES['kubo-v0']).root.toString()).toBe(
      'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o',
    )
    expect(build(text('hello world'), PROFILES['unixfs-v1-2025']).root.toString()).toBe(
      'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e',
    )
    expect(build(text('hello world'), PROFILES['kubo-cidv1']).root.toString()).toBe(
      'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e',
    )
  })
})

const KiB = 1024
const MiB = 1024 * KiB

describe.each(Object.values(PROFILES))('UnixFsFileBuilder equals ipfs-unixfs-importer: $name', (spec) => {
  const width = spec.maxLinks * spec.chunkBytes
  const sizes = [
    0,
    1,
    256 * KiB - 1,
    256 * KiB,
    256 * KiB + 1,
    MiB - 1,
    MiB,
    MiB + 1,
    ...(spec.chunkBytes === 256 * KiB ? [width, width + 1] : []),
  ]
  it.each(sizes)('%i bytes: same root, same blocks', async (size) => {
    const content = pseudoRandomBytes(size, size + 7)
    const ours = build(content, spec)
    const theirs = await importerDag(content, spec)
    expect(ours.root.toString()).toBe(theirs.root)
    expect([...ours.blocks.keys()].sort()).toEqual([...theirs.blocks.keys()].sort())
    for (const [cid, bytes] of ours.blocks)
      expect(Buffer.from(bytes).equals(Buffer.from(theirs.blocks.get(cid) as Uint8Array))).toBe(true)
  })
})

describe('UnixFsFileBuilder: deep trees (narrow test profiles against the importer)', () => {
  const narrow = (rawLeaves: boolean, cidVersion: 0 | 1): ProfileSpec => ({
    name: 'kubo-v0',
    cidVersion,
    rawLeaves,
    chunkBytes: 7,
    maxLinks: 3,
  })
  // 3 links of 7 bytes: 21 bytes fill a level-1 node, 63 a level-2, 189 a level-3, 567 a level-4
  const sizes = [20, 21, 22, 62, 63, 64, 188, 189, 190, 566, 567, 568, 1000]
  for (const [rawLeaves, cidVersion] of [
    [true, 1],
    [false, 0],
    [false, 1],
  ] as const) {
    it.each(sizes)(`rawLeaves ${rawLeaves}, CIDv${cidVersion}: %i bytes`, async (size) => {
      const spec = narrow(rawLeaves, cidVersion)
      const content = pseudoRandomBytes(size, 3)
      const ours = build(content, spec)
      const theirs = await importerDag(content, spec)
      expect(ours.root.toString()).toBe(theirs.root)
      expect([...ours.blocks.keys()].sort()).toEqual([...theirs.blocks.keys()].sort())
    })
  }

  it('a file of repeated chunks: ten equal leaves make six distinct blocks, as the importer makes', async () => {
    const spec = narrow(true, 1)
    const content = new Uint8Array(70) // ten identical zero chunks
    const ours = build(content, spec)
    // the zero leaf; the node of three zero leaves (made three times); the node of one; the level-2
    // node over three of those; the level-2 node over the one; the root
    expect(ours.blocks.size).toBe(6)
    const theirs = await importerDag(content, spec)
    expect(ours.root.toString()).toBe(theirs.root)
    expect([...ours.blocks.keys()].sort()).toEqual([...theirs.blocks.keys()].sort())
  })
})

describe.runIf(process.env.SD_SLOW === '1')('UnixFsFileBuilder at 1024 x 1 MiB (+1) (SD_SLOW=1)', () => {
  /** 1 MiB pieces, each different, then `extra` bytes. */
  function* pieces(count: number, extra: number): Generator<Uint8Array> {
    for (let i = 0; i < count; i++) yield pseudoRandomBytes(MiB, i + 1)
    if (extra > 0) yield pseudoRandomBytes(extra, 99_999)
  }

  function ourRoot(spec: ProfileSpec, count: number, extra: number): string {
    const builder = new UnixFsFileBuilder(spec, () => undefined)
    for (const piece of pieces(count, extra)) {
      for (let at = 0; at < piece.length; at += spec.chunkBytes)
        builder.addChunk(piece.subarray(at, at + spec.chunkBytes))
    }
    return builder.finish().cid.toString()
  }

  it.each(
    Object.values(PROFILES).flatMap((spec) => [0, 1].map((extra) => [spec.name, extra, spec] as const)),
  )(
    '%s, 1 GiB + %d bytes: the importer root',
    async (_name, extra, spec) => {
      expect(ourRoot(spec, 1024, extra)).toBe(await importerRoot(() => pieces(1024, extra), spec))
    },
    600_000,
  )
})
