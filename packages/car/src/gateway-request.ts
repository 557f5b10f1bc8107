import { CID } from 'multiformats/cid'

/** One end of an `entity-bytes=from:to` range: a byte offset (negative: from the end), or `*`. */
export type RangeBound = number | '*'

/** What a trustless-gateway request asks for, once parsed and negotiated. */
export interface GatewayRequest {
  cid: CID
  /** Path segments after the CID (CAR requests only). */
  path: string[]
  format: 'raw' | 'car'
  /** CAR requests: which blocks below the path's end. */
  scope: 'all' | 'entity' | 'block'
  /** CAR requests with `entity-bytes`: the inclusive range asked for. */
  bytes: { from: RangeBound; to: RangeBound } | undefined
  /** CAR requests: send repeated blocks each time (`dups=y`) or once (`dups=n`, the default). */
  dups: boolean
}

/** A request the gateway refuses: the status and a message for the body. */
export interface GatewayRefusal {
  status: number
  message: string
}

const RAW = 'application/vnd.ipld.raw'
const CAR = 'application/vnd.ipld.car'

/**
 * Parses `/ipfs/{cid}[/{path}]` with its query (`format`, `dag-scope`, `entity-bytes`,
 * `car-version`, `car-order`, `car-dups`) and `Accept` header, as the trustless gateway
 * specification describes: `format` wins over `Accept`; without either the request is refused
 * (400, as a strict trustless gateway does); an `Accept` naming nothing sd serves is 406.
 */
export function parseGatewayRequest(url: URL, accept: string | undefined): GatewayRequest | GatewayRefusal {
  const match = /^\/ipfs\/([^/]+)((?:\/[^/]*)*)$/.exec(url.pathname)
  if (!match) return { status: 404, message: 'Expected a path /ipfs/{cid}[/{path}]' }
  let cid: CID
  try {
    cid = CID.parse(decodeURIComponent(match[1] as string))
  } catch {
    return { status: 400, message: `Not a CID: ${match[1]}` }
  }
  const path = (match[2] ?? '')
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s))
  const query = url.searchParams
  const chosen = negotiate(query.get('format'), accept)
  if ('status' in chosen) return chosen
  if (chosen.format === 'raw') {
    if (path.length > 0)
      return { status: 400, message: 'A raw block is asked for by CID alone: no path after it' }
    return { cid, path, format: 'raw', scope: 'block', bytes: undefined, dups: false }
  }
  const version = query.get('car-version') ?? chosen.params.get('version')
  if (version !== null && version !== undefined && version !== '1') {
    return { status: 400, message: `Only CAR version 1 is served, not ${version}` }
  }
  const order = query.get('car-order') ?? chosen.params.get('order')
  if (order !== null && order !== undefined && order !== 'dfs' && order !== 'unk') {
    return { status: 400, message: `Unknown CAR order ${order}: expected dfs or unk` }
  }
  const dups = query.get('car-dups') ?? chosen.params.get('dups')
  if (dups !== null && dups !== undefined && dups !== 'y' && dups !== 'n') {
    return { status: 400, message: `Unknown dups value ${dups}: expected y or n` }
  }
  const scopeParam = query.get('dag-scope')
  if (scopeParam !== null && scopeParam !== 'all' && scopeParam !== 'entity' && scopeParam !== 'block') {
    return { status: 400, message: `Unknown dag-scope ${scopeParam}: expected all, entity or block` }
  }
  let bytes: GatewayRequest['bytes']
  const entityBytes = query.get('entity-bytes')
  if (entityBytes !== null) {
    const parsed = /^(-?\d+|\*):(-?\d+|\*)$/.exec(entityBytes)
    const from = parsed ? bound(parsed[1] as string) : undefined
    const to = parsed ? bound(parsed[2] as string) : undefined
    if (from === undefined || to === undefined || from === '*') {
      return {
        status: 400,
        message: `Expected entity-bytes=from:to (integers, to may be *), got ${entityBytes}`,
      }
    }
    bytes = { from, to }
  }
  const scope = scopeParam ?? (bytes ? 'entity' : 'all')
  return { cid, path, format: 'car', scope, bytes, dups: dups === 'y' }
}

function bound(text: string): RangeBound | undefined {
  if (text === '*') return '*'
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

/** The format chosen, with the parameters of the `Accept` entry that chose it. */
function negotiate(
  format: string | null,
  accept: string | undefined,
): { format: 'raw' | 'car'; params: Map<string, string> } | GatewayRefusal {
  if (format !== null) {
    if (format === 'raw' || format === 'car') return { format, params: new Map() }
    return { status: 400, message: `Unsupported format=${format}: this trustless gateway serves raw and car` }
  }
  // only wildcards (fetch sends */* by default) say nothing: a strict trustless gateway answers 400
  if (!accept || accept.split(',').every((e) => /^\s*(\*\/\*|application\/\*)\s*(;|$)/i.test(e))) {
    return {
      status: 400,
      message:
        'Expected ?format=raw|car or an Accept header naming application/vnd.ipld.raw or application/vnd.ipld.car',
    }
  }
  let best: { format: 'raw' | 'car'; params: Map<string, string>; q: number } | undefined
  for (const entry of accept.split(',')) {
    const [type, ...rest] = entry.split(';').map((s) => s.trim())
    const params = new Map<string, string>()
    for (const p of rest) {
      const eq = p.indexOf('=')
      if (eq > 0)
        params.set(
          p.slice(0, eq).trim().toLowerCase(),
          p
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, ''),
        )
    }
    const q = params.has('q') ? Number(params.get('q')) : 1
    const kind = type?.toLowerCase() === RAW ? 'raw' : type?.toLowerCase() === CAR ? 'car' : undefined
    if (!kind || !(q > 0)) continue
    if (kind === 'car' && !carParamsServed(params)) continue
    if (!best || q > best.q) best = { format: kind, params, q }
  }
  if (!best)
    return {
      status: 406,
      message: `Not acceptable: ${accept}; this trustless gateway serves ${RAW} and ${CAR}`,
    }
  return best
}

function carParamsServed(params: Map<string, string>): boolean {
  const version = params.get('version')
  const order = params.get('order')
  const dups = params.get('dups')
  return (
    (version === undefined || version === '1') &&
    (order === undefined || order === 'dfs' || order === 'unk') &&
    (dups === undefined || dups === 'y' || dups === 'n')
  )
}
