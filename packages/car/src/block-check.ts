import type { ErrorLocation } from '@sd/core'
import type { Section } from './car-sections.js'
import { type CidParts, decodeCid, digestMatches, isSupportedHash } from './cid.js'
import { CarError, sourceLocation } from './errors.js'

/**
 * The error a block deserves, or `undefined` when it checks out: `CAR_UNSUPPORTED_HASH` for a
 * hash sd cannot compute, `CAR_HASH_MISMATCH` for bytes that do not hash to the CID. `location`
 * says where the block came from (a CAR and the section's offset, a URL).
 */
export function checkBlock(
  cidBytes: Uint8Array,
  parts: CidParts,
  bytes: Uint8Array,
  location: ErrorLocation,
): CarError | undefined {
  if (!isSupportedHash(parts.hashCode))
    return unsupportedHash(decodeCid(cidBytes).toString(), parts.hashCode, location)
  if (!digestMatches(cidBytes, parts, bytes)) return hashMismatch(decodeCid(cidBytes).toString(), location)
  return undefined
}

/** {@link checkBlock} for a section read from a CAR file. */
export function checkSection(section: Section, name: string): CarError | undefined {
  return checkBlock(
    section.cid,
    section.parts,
    section.block as Uint8Array,
    sourceLocation(name, section.offset),
  )
}

/** `CAR_UNSUPPORTED_HASH` for `cid`, whose multihash uses `hashCode`. */
export function unsupportedHash(cid: string, hashCode: number, location?: ErrorLocation): CarError {
  return new CarError(
    `The CID uses hash function 0x${hashCode.toString(16)}; sd checks sha2-256 and identity`,
    {
      code: 'CAR_UNSUPPORTED_HASH',
      cid,
      location,
    },
  )
}

/** `CAR_HASH_MISMATCH` for the block `cid` found at `location`. */
export function hashMismatch(cid: string, location: ErrorLocation): CarError {
  return new CarError("The block's bytes do not hash to its CID", {
    code: 'CAR_HASH_MISMATCH',
    cid,
    location,
  })
}
