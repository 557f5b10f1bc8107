import { createHash } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import type { BlockPlace } from './car-writer.js'
import { keyBytes } from './cid.js'

const MAGIC = Buffer.from('SDCARIX1', 'latin1')

/** Where every block of a CAR is, by its {@link blockKey} (multihash), in file order. */
export type CarIndex = ReadonlyMap<string, BlockPlace>

/** The sidecar index of a CAR: the CAR's path with `.idx` appended. */
export function sidecarPath(carPath: string): string {
  return `${carPath}.idx`
}

/**
 * The sidecar's bytes: a magic, the CAR's version tag (size and modification time), the entries
 * (multihash, block offset, block length), and a sha2-256 of all that, so a damaged or stale
 * sidecar is noticed and the CAR is scanned again instead.
 */
export function encodeIndex(version: string, index: CarIndex): Uint8Array {
  const versionBytes = Buffer.from(version, 'utf8')
  let size = MAGIC.length + 4 + versionBytes.length + 4
  const keys: Uint8Array[] = []
  for (const key of index.keys()) {
    const bytes = keyBytes(key)
    keys.push(bytes)
    size += 1 + bytes.length + 8 + 4
  }
  const out = Buffer.alloc(size + 32)
  let at = MAGIC.copy(out, 0)
  at = out.writeUInt32LE(versionBytes.length, at)
  at += versionBytes.copy(out, at)
  at = out.writeUInt32LE(index.size, at)
  let i = 0
  for (const place of index.values()) {
    const key = keys[i++] as Uint8Array
    at = out.writeUInt8(key.length, at)
    out.set(key, at)
    at += key.length
    out.writeUInt32LE(place.blockOffset % 2 ** 32, at)
    out.writeUInt32LE(Math.floor(place.blockOffset / 2 ** 32), at + 4)
    out.writeUInt32LE(place.blockLength, at + 8)
    at += 12
  }
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at)
  return out
}

/** The index in `bytes`, or `undefined` when it is damaged or was made for another version of the CAR. */
export function decodeIndex(bytes: Uint8Array, version: string): CarIndex | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < MAGIC.length + 8 + 32 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined
  const body = buf.subarray(0, buf.length - 32)
  if (
    !createHash('sha256')
      .update(body)
      .digest()
      .equals(buf.subarray(buf.length - 32))
  )
    return undefined
  let at = MAGIC.length
  const versionLength = body.readUInt32LE(at)
  at += 4
  if (at + versionLength + 4 > body.length) return undefined
  if (body.toString('utf8', at, at + versionLength) !== version) return undefined
  at += versionLength
  const count = body.readUInt32LE(at)
  at += 4
  const index = new Map<string, BlockPlace>()
  for (let i = 0; i < count; i++) {
    if (at + 1 > body.length) return undefined
    const length = body.readUInt8(at)
    if (at + 1 + length + 12 > body.length) return undefined
    const key = body.toString('latin1', at + 1, at + 1 + length)
    at += 1 + length
    const blockOffset = body.readUInt32LE(at) + body.readUInt32LE(at + 4) * 2 ** 32
    const blockLength = body.readUInt32LE(at + 8)
    at += 12
    index.set(key, { blockOffset, blockLength })
  }
  return at === body.length ? index : undefined
}

/** Writes the sidecar of `carPath` (through a temporary file, so a reader never sees half of one). */
export async function writeSidecar(carPath: string, version: string, index: CarIndex): Promise<void> {
  const path = sidecarPath(carPath)
  const tmp = `${path}.${process.pid}.partial`
  try {
    await writeFile(tmp, encodeIndex(version, index))
    await rename(tmp, path)
  } catch {
    // an index is only a shortcut: without one the CAR is scanned when opened
    await rm(tmp, { force: true }).catch(() => undefined)
  }
}

/** The sidecar index of `carPath` when there is a valid one for this `version` of the CAR. */
export async function readSidecar(carPath: string, version: string): Promise<CarIndex | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(sidecarPath(carPath))
  } catch {
    return undefined
  }
  return decodeIndex(bytes, version)
}
