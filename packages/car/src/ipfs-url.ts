import { ValidationError } from '@sd/core'
import type { CID } from 'multiformats/cid'
import { toCid } from './cid.js'
import { CarError } from './errors.js'

/** The environment variable naming the trustless gateway `ipfs://` URLs are read through. */
export const GATEWAY_ENV = 'SD_IPFS_GATEWAY'

/** An `ipfs://<cid>[/<path>]` URL taken apart. */
export interface IpfsUrl {
  /** The CID after `ipfs://`. */
  cid: CID
  /** The path segments after it, percent-decoded (empty for the CID alone). */
  path: string[]
  /** True when the URL ends with `/` (a folder). */
  folder: boolean
}

/** True for an `ipfs://` URL. */
export function isIpfsUrl(source: string): boolean {
  return /^ipfs:\/\//i.test(source)
}

/**
 * Parses `ipfs://<cid>[/<path>]` (the CID in any multibase; path segments percent-encoded).
 * Anything else is `INVALID_OPTION`; a CID that does not parse `CAR_BAD_CID`.
 */
export function parseIpfsUrl(url: string): IpfsUrl {
  const m = /^ipfs:\/\/([^/?#]+)((?:\/[^/?#]*)*)$/i.exec(url)
  if (!m) {
    throw new ValidationError(`Expected ipfs://<cid>[/<path>], got "${url}"`, {
      code: 'INVALID_OPTION',
      location: { url },
    })
  }
  let cid: CID
  try {
    cid = toCid(m[1] as string)
  } catch (err) {
    throw new CarError(`Expected a CID after ipfs://, got ${JSON.stringify(m[1])}`, {
      code: 'CAR_BAD_CID',
      location: { url },
      cause: err,
    })
  }
  const rest = m[2] ?? ''
  const segments = rest.split('/').slice(1)
  const folder = rest.endsWith('/')
  if (folder) segments.pop()
  const path: string[] = []
  for (const segment of segments) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      decoded = ''
    }
    if (decoded === '' || decoded === '.' || decoded === '..') {
      throw new ValidationError(`Expected path segments that name entries, got "${segment}" in "${url}"`, {
        code: 'INVALID_OPTION',
        location: { url },
      })
    }
    path.push(decoded)
  }
  return { cid, path, folder }
}

/**
 * The base URL of the trustless gateway to use: `gateway` if given, else the `SD_IPFS_GATEWAY`
 * environment variable (`http(s)://host[:port][/prefix]`; a trailing `/` or `/ipfs` is dropped).
 * Neither, or something other than an http(s) URL, is `INVALID_OPTION`.
 */
export function gatewayBase(gateway: string | undefined, url: string): string {
  const given = gateway ?? process.env[GATEWAY_ENV]
  if (given === undefined || given.trim() === '') {
    throw new ValidationError(
      `Reading ${url} needs a trustless gateway: set ${GATEWAY_ENV} (for example https://trustless-gateway.link) or pass the gateway option`,
      { code: 'INVALID_OPTION', location: { url } },
    )
  }
  let parsed: URL
  try {
    parsed = new URL(given.trim())
  } catch {
    parsed = new URL('invalid:')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError(
      `Expected the gateway (${gateway === undefined ? GATEWAY_ENV : 'gateway option'}) to be an http(s) URL, got "${given}"`,
      { code: 'INVALID_OPTION', location: { url } },
    )
  }
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/ipfs$/, '')
  return `${parsed.origin}${path}`
}
