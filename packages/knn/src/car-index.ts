import { readSync } from 'node:fs'
import * as dagCbor from '@ipld/dag-cbor'
import { FormatError } from '@sd/core'
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'

/** Where a block's bytes sit in the CAR file. */
export interface BlockPlace {
  offset: number
  length: number
}

function bad(code: string, message: string, file: string, byte: number, cause?: unknown): FormatError {
  return new FormatError(message, {
    code,
    location: { file, byte },
    ...(cause === undefined ? {} : { cause }),
  })
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let done = 0
  while (done < length) {
    const got = readSync(fd, bytes, done, length - done, position + done)
    if (got === 0) break
    done += got
  }
  return bytes.subarray(0, done)
}

/**
 * The roots of a CARv1 file and where each block's bytes are, found by reading only the header and
 * each block's length and CID by position (block data is not read here). A truncated file fails with
 * `CAR_TRUNCATED`, anything else malformed with `CAR_BAD_HEADER`, naming the byte.
 */
export function indexCarFile(
  fd: number,
  size: number,
  file: string,
): { roots: CID[]; places: Map<string, BlockPlace> } {
  const head = readAt(fd, 0, Math.min(size, 1 << 16))
  let headerLength: number
  let at: number
  let header: unknown
  try {
    ;[headerLength, at] = varint.decode(head)
    if (at + headerLength > head.length) throw new Error(`a header of ${headerLength} bytes`)
    header = dagCbor.decode(head.subarray(at, at + headerLength))
  } catch (cause) {
    throw bad('CAR_BAD_HEADER', `Not a CAR file: ${(cause as Error).message}`, file, 0, cause)
  }
  const h = header as { version?: unknown; roots?: unknown }
  if (typeof h !== 'object' || h === null || h.version !== 1 || !Array.isArray(h.roots))
    throw bad('CAR_BAD_HEADER', 'Not a CARv1 header (version 1 with roots)', file, 0)
  const roots = h.roots.map((r) => CID.asCID(r))
  if (roots.some((r) => r === null)) throw bad('CAR_BAD_HEADER', 'A root is not a CID', file, 0)
  const places = new Map<string, BlockPlace>()
  let position = at + headerLength
  while (position < size) {
    const prefix = readAt(fd, position, Math.min(128, size - position))
    let sectionLength: number
    let varintLength: number
    let cid: CID
    let cidLength: number
    try {
      ;[sectionLength, varintLength] = varint.decode(prefix)
      const rest = prefix.subarray(varintLength)
      const [decoded, remainder] = CID.decodeFirst(rest)
      cid = decoded as CID
      cidLength = rest.length - remainder.length
    } catch (cause) {
      const truncated = prefix.length < 128 && position + prefix.length >= size
      throw bad(
        truncated ? 'CAR_TRUNCATED' : 'CAR_BAD_HEADER',
        truncated
          ? 'The CAR ends inside a block header'
          : `A block header does not parse: ${(cause as Error).message}`,
        file,
        position,
        cause,
      )
    }
    const offset = position + varintLength + cidLength
    const length = sectionLength - cidLength
    if (length < 0) throw bad('CAR_BAD_HEADER', 'A block is shorter than its CID', file, position)
    if (offset + length > size)
      throw bad(
        'CAR_TRUNCATED',
        `The CAR ends inside block ${cid} (${offset + length - size} bytes missing)`,
        file,
        position,
      )
    places.set(cid.toString(), { offset, length })
    position = offset + length
  }
  return { roots: roots as CID[], places }
}
