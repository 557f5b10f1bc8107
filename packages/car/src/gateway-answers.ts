import { NetworkError, NotFoundError } from '@sd/core'
import type { CID } from 'multiformats/cid'
import { CarError } from './errors.js'

/** Throws the error a non-200 answer deserves (404 `HTTP_404`, others `HTTP_<status>`), naming the URL. */
export function checkStatus(res: Response, url: string): void {
  if (res.ok) return
  void res.body?.cancel().catch(() => undefined)
  if (res.status === 404)
    throw new NotFoundError('HTTP 404: the gateway does not have it', { code: 'HTTP_404', location: { url } })
  throw new NetworkError(`HTTP ${res.status} ${res.statusText}: expected 200`, {
    code: `HTTP_${res.status}`,
    status: res.status,
    location: { url },
  })
}

/**
 * Checks that a CAR request got a CAR (`CAR_BAD_RESPONSE` otherwise) and tells whether the gateway
 * declared `dups=n`: then a block sent twice, or one the request does not need, is an error. A
 * gateway that declares nothing may send duplicates and unexpected blocks, which the trustless
 * gateway specification has clients check and ignore.
 */
export function checkCarType(res: Response, url: string): { strict: boolean } {
  const type = res.headers.get('content-type') ?? ''
  if (!/^application\/vnd\.ipld\.car\b/i.test(type)) {
    void res.body?.cancel().catch(() => undefined)
    throw new CarError(`Expected a CAR answer (application/vnd.ipld.car), got ${JSON.stringify(type)}`, {
      code: 'CAR_BAD_RESPONSE',
      location: { url },
    })
  }
  return { strict: /;\s*dups\s*=\s*n\b/i.test(type) }
}

/** The whole body, refusing more than `limit` bytes (`CAR_BLOCK_TOO_LARGE`). */
export async function readLimited(res: Response, limit: number, url: string, cid: CID): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0)
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.length
      if (size > limit) {
        throw new CarError(`The gateway's block is larger than the limit of ${limit} bytes`, {
          code: 'CAR_BLOCK_TOO_LARGE',
          cid: cid.toString(),
          location: { url },
        })
      }
      chunks.push(value)
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks)
}
