import { ValidationError } from '@sd/core'
import { CID } from 'multiformats/cid'
import { CarError } from './errors.js'

/** A gateway URL taken apart: the gateway's base and the CID after `/ipfs/`. */
export interface GatewayTarget {
  base: string
  cid: CID
}

/**
 * `{ base, cid }` when `url` is a gateway URL `http(s)://host[/prefix]/ipfs/<cid>`, else
 * `undefined`. A path after the CID is refused (`INVALID_OPTION`): sd asks for blocks by CID.
 */
export function parseGatewayUrl(url: string): GatewayTarget | undefined {
  const parsed = new URL(url)
  const match = /^(.*)\/ipfs\/([^/]+)(\/.*)?$/.exec(parsed.pathname)
  if (!match) return undefined
  if (match[3] && match[3] !== '/') {
    throw new ValidationError(
      `Expected a gateway URL ending in /ipfs/<cid>, got the path ${match[3]} after the CID`,
      {
        code: 'INVALID_OPTION',
        location: { url },
      },
    )
  }
  let cid: CID
  try {
    cid = CID.parse(decodeURIComponent(match[2] as string))
  } catch (err) {
    throw new CarError(`Expected a CID after /ipfs/, got ${JSON.stringify(match[2])}`, {
      code: 'CAR_BAD_CID',
      location: { url },
      cause: err,
    })
  }
  return { base: `${parsed.origin}${match[1]}`, cid }
}
