import { throwIfAborted } from '@sd/core'
import type { CID } from 'multiformats/cid'
import { checkSection } from './block-check.js'
import type { Section } from './car-sections.js'
import { blockKey, cidBlockKey, DAG_CBOR, DAG_PB, decodeCid, IDENTITY, RAW } from './cid.js'
import { CarError, sourceLocation } from './errors.js'
import { blockLinks } from './links.js'

/** What {@link CarReader.verify} found. */
export interface VerifyReport {
  /** True when every block checks out and every block reachable from the roots is present. */
  ok: boolean
  roots: CID[]
  /** Sections read. */
  blocks: number
  /** Block bytes hashed. */
  bytes: number
  /** Sections whose block was already in the CAR. */
  duplicates: number
  /** Blocks that the roots' DAGs link to but the CAR lacks. */
  missing: CID[]
  /** Blocks that are wrong: bytes that do not match their CID, an unsupported hash or codec, bytes that do not decode. */
  problems: CarError[]
  /** Blocks no root leads to. */
  unreachable: number
  /** Seconds the check took. */
  seconds: number
}

/** What {@link verifyCarFile} reads: a CAR file's name, roots and sections (a `CarFileSource`). */
export interface SectionSource {
  readonly name: string
  readonly roots: readonly CID[]
  sections(readBlocks: boolean, signal?: AbortSignal): AsyncIterable<Section>
}

/**
 * Reads every section, hashes every block against its CID, reads the links of dag-pb and
 * dag-cbor blocks, then walks from the roots and lists the blocks that are missing. Problems with
 * single blocks are collected (the scan goes on); a CAR that cannot be read on (cut short, a bad
 * varint, a block over the limit) throws.
 */
export async function verifyCarFile(source: SectionSource, signal?: AbortSignal): Promise<VerifyReport> {
  const started = performance.now()
  const present = new Set<string>()
  const links = new Map<string, CID[]>()
  /** The codec each block is stored under (blocks are keyed by multihash). */
  const codecs = new Map<string, number>()
  const problems: CarError[] = []
  let blocks = 0
  let bytes = 0
  let duplicates = 0
  for await (const section of source.sections(true, signal)) {
    blocks++
    const block = section.block as Uint8Array
    bytes += block.length
    const key = blockKey(section.cid, section.parts)
    if (present.has(key)) {
      duplicates++
      continue
    }
    const problem = checkSection(section, source.name)
    if (problem) {
      problems.push(problem)
      continue
    }
    present.add(key)
    codecs.set(key, section.parts.codec)
    if (section.parts.codec === RAW) continue
    try {
      const found = blockLinks(decodeCid(section.cid), block, sourceLocation(source.name, section.offset))
      if (found.length > 0) links.set(key, found)
    } catch (err) {
      if (!(err instanceof CarError)) throw err
      problems.push(err)
    }
  }
  throwIfAborted(signal)
  const missing: CID[] = []
  const seen = new Set<string>()
  const stack = [...source.roots]
  while (stack.length > 0) {
    const cid = stack.pop() as CID
    const key = cidBlockKey(cid)
    if (seen.has(key)) continue
    seen.add(key)
    if (cid.multihash.code === IDENTITY) {
      // the block is in the CID: it must decode, and what it links must be there
      try {
        const children = blockLinks(cid, cid.multihash.digest, sourceLocation(source.name))
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as CID)
      } catch (err) {
        if (!(err instanceof CarError)) throw err
        problems.push(err)
      }
      continue
    }
    if (!present.has(key)) {
      missing.push(cid)
      continue
    }
    const stored = codecs.get(key) as number
    if (stored !== cid.code) {
      // the links were read under the codec the CAR names; a DAG that names another reads otherwise
      const supported = cid.code === RAW || cid.code === DAG_PB || cid.code === DAG_CBOR
      problems.push(
        new CarError(
          supported
            ? `The DAG links the block as codec 0x${cid.code.toString(16)}; the CAR holds it as 0x${stored.toString(16)}`
            : `Cannot follow the links of codec 0x${cid.code.toString(16)}: sd reads raw, dag-pb and dag-cbor`,
          {
            code: supported ? 'CAR_BAD_BLOCK' : 'CAR_UNSUPPORTED_CODEC',
            cid: cid.toString(),
            location: sourceLocation(source.name),
          },
        ),
      )
      continue
    }
    const children = links.get(key)
    if (children) for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as CID)
  }
  let reachable = 0
  for (const key of seen) if (present.has(key)) reachable++
  return {
    ok: problems.length === 0 && missing.length === 0,
    roots: [...source.roots],
    blocks,
    bytes,
    duplicates,
    missing,
    problems,
    unreachable: present.size - reachable,
    seconds: (performance.now() - started) / 1000,
  }
}
