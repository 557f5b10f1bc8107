import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import type { ErrorLocation } from '@sd/core'
import { CID } from 'multiformats/cid'
import { DAG_CBOR, DAG_PB, RAW } from './cid.js'
import { CarError } from './errors.js'

/** Nesting beyond this in a dag-cbor block is refused rather than walked. */
const MAX_NESTING = 256

/**
 * The links of a block, in order: a dag-pb node's `Links`, every CID inside a dag-cbor value
 * (depth first), none for raw. Another codec is `CAR_UNSUPPORTED_CODEC`; a block that does not
 * decode `CAR_BAD_BLOCK`; `location` (the CAR and the section's offset) goes into the error.
 */
export function blockLinks(cid: CID, bytes: Uint8Array, location?: ErrorLocation): CID[] {
  switch (cid.code) {
    case RAW:
      return []
    case DAG_PB: {
      try {
        return dagPb.decode(bytes).Links.map((l) => l.Hash)
      } catch (err) {
        throw badBlock(cid, 'dag-pb', err, location)
      }
    }
    case DAG_CBOR: {
      let value: unknown
      try {
        value = dagCbor.decode(bytes)
      } catch (err) {
        throw badBlock(cid, 'dag-cbor', err, location)
      }
      const out: CID[] = []
      collect(value, out, 0, cid, location)
      return out
    }
    default:
      throw new CarError(
        `Cannot follow the links of codec 0x${cid.code.toString(16)}: sd reads raw, dag-pb and dag-cbor`,
        {
          code: 'CAR_UNSUPPORTED_CODEC',
          cid: cid.toString(),
          location,
        },
      )
  }
}

function collect(
  value: unknown,
  out: CID[],
  depth: number,
  block: CID,
  location: ErrorLocation | undefined,
): void {
  if (depth > MAX_NESTING) {
    throw new CarError(`The dag-cbor block nests deeper than ${MAX_NESTING} levels`, {
      code: 'CAR_BAD_BLOCK',
      cid: block.toString(),
      location,
    })
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return
  const link = CID.asCID(value)
  if (link) {
    out.push(link)
    return
  }
  if (Array.isArray(value)) for (const item of value) collect(item, out, depth + 1, block, location)
  else for (const item of Object.values(value)) collect(item, out, depth + 1, block, location)
}

function badBlock(cid: CID, codec: string, err: unknown, location: ErrorLocation | undefined): CarError {
  return new CarError(`The block does not decode as ${codec}: ${(err as Error).message}`, {
    code: 'CAR_BAD_BLOCK',
    cid: cid.toString(),
    cause: err,
    location,
  })
}
