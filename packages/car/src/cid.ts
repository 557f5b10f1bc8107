import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { CarError } from './errors.js'
import { readVarint } from './varint.js'

/** Multicodec code of raw blocks. */
export const RAW = 0x55
/** Multicodec code of dag-pb blocks (UnixFS nodes). */
export const DAG_PB = 0x70
/** Multicodec code of dag-cbor blocks (sd manifests and columns). */
export const DAG_CBOR = 0x71
/** Multihash code of sha2-256. */
export const SHA2_256 = 0x12
/** Multihash code of identity (the block is the digest). */
export const IDENTITY = 0x00

/** The largest identity multihash accepted (identity CIDs inline their block). */
const MAX_IDENTITY_BYTES = 128

/** The parts of a CID read straight from its bytes, without building a `CID` object. */
export interface CidParts {
  /** Bytes the CID takes. */
  length: number
  version: 0 | 1
  codec: number
  hashCode: number
  /** Offset of the multihash (hash code, length, digest) within the CID's bytes. */
  multihashOffset: number
  /** Offset of the digest within the CID's bytes. */
  digestOffset: number
  digestLength: number
}

/**
 * Reads the CID at `offset` of `bytes` (a CIDv0 multihash or a CIDv1). Returns `undefined` when
 * `bytes` ends inside it; a malformed CID is a `CAR_BAD_CID` error (`where` names the place), an
 * unknown version `CAR_UNSUPPORTED_VERSION`.
 */
export function readCidParts(bytes: Uint8Array, offset: number, where: () => CarError): CidParts | undefined {
  if (offset + 2 > bytes.length) return undefined
  if (bytes[offset] === SHA2_256 && bytes[offset + 1] === 32) {
    if (offset + 34 > bytes.length) return undefined
    return {
      length: 34,
      version: 0,
      codec: DAG_PB,
      hashCode: SHA2_256,
      multihashOffset: 0,
      digestOffset: 2,
      digestLength: 32,
    }
  }
  let at = offset
  const fields: number[] = []
  let multihashAt = 0
  for (let i = 0; i < 4; i++) {
    if (i === 2) multihashAt = at
    const v = readVarint(bytes, at)
    if (v === undefined) return undefined
    if (v === 'invalid') throw where()
    fields.push(v.value)
    at += v.length
  }
  const [version, codec, hashCode, digestLength] = fields as [number, number, number, number]
  if (version !== 1) {
    const err = where()
    throw new CarError(`Expected a CID of version 0 or 1, got version ${version}`, {
      code: 'CAR_UNSUPPORTED_VERSION',
      location: err.location,
    })
  }
  if (digestLength > 64 && !(hashCode === IDENTITY && digestLength <= MAX_IDENTITY_BYTES)) throw where()
  if (at + digestLength > bytes.length) return undefined
  return {
    length: at + digestLength - offset,
    version: 1,
    codec,
    hashCode,
    multihashOffset: multihashAt - offset,
    digestOffset: at - offset,
    digestLength,
  }
}

/** The parts of a whole `CID` object. */
export function cidParts(cid: CID): CidParts {
  const bytes = cid.bytes
  return {
    length: bytes.length,
    version: cid.version === 0 ? 0 : 1,
    codec: cid.code,
    hashCode: cid.multihash.code,
    multihashOffset: bytes.length - cid.multihash.bytes.length,
    digestOffset: bytes.length - cid.multihash.digest.length,
    digestLength: cid.multihash.digest.length,
  }
}

/**
 * The key of a block in maps and indexes: its multihash's bytes as a string (one char per byte,
 * cheap to build and compare). Keyed by multihash, a block is found whichever CID version or
 * codec names it (a CIDv0 and its CIDv1 form are one block).
 */
export function blockKey(cidBytes: Uint8Array, parts: CidParts): string {
  return cidKey(cidBytes.subarray(parts.multihashOffset, parts.digestOffset + parts.digestLength))
}

/** The {@link blockKey} of a CID object. */
export function cidBlockKey(cid: CID): string {
  return cidKey(cid.multihash.bytes)
}

/** A map key for bytes (one char per byte). */
export function cidKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** The bytes of a {@link cidKey}. */
export function keyBytes(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'latin1'))
}

/** The CID of `bytes` (copied out, so a CID never pins a large buffer). */
export function decodeCid(bytes: Uint8Array): CID {
  return CID.decode(bytes.slice())
}

/** A `CID` from its string or object form; a bad string is a `CAR_BAD_CID` error. */
export function toCid(value: CID | string): CID {
  if (typeof value !== 'string') {
    const cid = CID.asCID(value)
    if (cid) return cid
    throw new CarError(`Expected a CID, got ${String(value)}`, { code: 'CAR_BAD_CID' })
  }
  try {
    return CID.parse(value)
  } catch (err) {
    throw new CarError(`Expected a CID string, got ${JSON.stringify(value)}`, {
      code: 'CAR_BAD_CID',
      cause: err,
    })
  }
}

/** Raw sha2-256 digest of `bytes` (Node's native hash: synchronous, no copy of the input). */
export function sha256Digest(bytes: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(bytes).digest()
  // a plain Uint8Array view: CIDs made from it compare equal to decoded ones
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
}

/** True when the CID's hash function is one sd can check. */
export function isSupportedHash(hashCode: number): boolean {
  return hashCode === SHA2_256 || hashCode === IDENTITY
}

/** True when sd can read the links of a block of this codec. */
export function isSupportedCodec(codec: number): boolean {
  return codec === RAW || codec === DAG_PB || codec === DAG_CBOR
}

/**
 * True when `block` hashes to the digest in `cidBytes` (parts from {@link readCidParts}). The hash
 * must be supported ({@link isSupportedHash}); callers check that first to raise the right error.
 */
export function digestMatches(cidBytes: Uint8Array, parts: CidParts, block: Uint8Array): boolean {
  const digest = cidBytes.subarray(parts.digestOffset, parts.digestOffset + parts.digestLength)
  if (parts.hashCode === IDENTITY) return bytesEqual(digest, block)
  if (parts.digestLength !== 32) return false
  return bytesEqual(sha256Digest(block), digest)
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

/** The sha2-256 CIDv1 of a block of `codec`. */
export function blockCid(codec: number, bytes: Uint8Array): CID {
  return CID.createV1(codec, createDigest(SHA2_256, sha256Digest(bytes)))
}

/** The CIDv1 of a dag-cbor block. */
export function cborCid(bytes: Uint8Array): CID {
  return blockCid(DAG_CBOR, bytes)
}
