import * as dagCbor from '@ipld/dag-cbor'
import type { RangeReader } from '@sd/core'
import { CID } from 'multiformats/cid'
import { CarError, sourceLocation } from './errors.js'
import { encodeVarint, readVarint } from './varint.js'

/** The largest CAR header accepted (real headers hold a few roots: tens of bytes). */
const MAX_HEADER_BYTES = 1 << 20
/** The CARv2 pragma: a CARv1 header `{ version: 2 }` with no roots. */
const V2_PRAGMA = Uint8Array.of(0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02)
const V2_HEADER_BYTES = 40

/** What the header of a CAR says, and where its sections are. */
export interface CarLayout {
  /** 1 or 2 (a CARv2 wraps a CARv1 payload). */
  version: 1 | 2
  roots: CID[]
  /** Offset of the first section. */
  sectionsStart: number
  /** Offset just past the last section. */
  sectionsEnd: number
  /** Offset of the CARv2 index, when the file has one. */
  indexOffset: number | undefined
}

/** The bytes of a CARv1 header naming `roots`: a varint length, then dag-cbor `{ roots, version: 1 }`. */
export function encodeCarHeader(roots: readonly CID[]): Uint8Array {
  const body = dagCbor.encode({ roots: [...roots], version: 1 })
  const prefix = encodeVarint(body.length)
  const out = new Uint8Array(prefix.length + body.length)
  out.set(prefix, 0)
  out.set(body, prefix.length)
  return out
}

/**
 * Reads the header of a CARv1 or CARv2 file. A header that is cut short is `CAR_TRUNCATED`, one
 * that does not decode or lacks `version`/`roots` `CAR_BAD_HEADER`, another version
 * `CAR_UNSUPPORTED_VERSION`; each names the file and the byte.
 */
export async function readCarLayout(reader: RangeReader, signal?: AbortSignal): Promise<CarLayout> {
  const head = await reader.read(0, Math.min(reader.byteLength, 64 * 1024), signal)
  if (startsWith(head, V2_PRAGMA)) return readV2(reader, head, signal)
  const v1 = await readV1Header(reader, 0, reader.byteLength, head, signal)
  return {
    version: 1,
    roots: v1.roots,
    sectionsStart: v1.end,
    sectionsEnd: reader.byteLength,
    indexOffset: undefined,
  }
}

async function readV2(reader: RangeReader, head: Uint8Array, signal?: AbortSignal): Promise<CarLayout> {
  const name = reader.name
  const fixed =
    head.length >= V2_PRAGMA.length + V2_HEADER_BYTES
      ? head.subarray(V2_PRAGMA.length, V2_PRAGMA.length + V2_HEADER_BYTES)
      : undefined
  if (!fixed) {
    throw new CarError(
      `Expected the ${V2_HEADER_BYTES}-byte CARv2 header after the pragma; the file ends first`,
      {
        code: 'CAR_TRUNCATED',
        location: sourceLocation(name, V2_PRAGMA.length),
      },
    )
  }
  const view = new DataView(fixed.buffer, fixed.byteOffset, fixed.byteLength)
  const dataOffset = Number(view.getBigUint64(16, true))
  const dataSize = Number(view.getBigUint64(24, true))
  const indexOffset = Number(view.getBigUint64(32, true))
  const dataEnd = dataOffset + dataSize
  if (dataOffset < V2_PRAGMA.length + V2_HEADER_BYTES || !Number.isSafeInteger(dataEnd)) {
    throw new CarError(
      `The CARv2 header puts the data payload at byte ${dataOffset} (${dataSize} bytes): not a valid place`,
      {
        code: 'CAR_BAD_HEADER',
        location: sourceLocation(name, V2_PRAGMA.length + 16),
      },
    )
  }
  if (dataEnd > reader.byteLength) {
    throw new CarError(
      `The CARv2 header says the payload ends at byte ${dataEnd}, but the file has ${reader.byteLength} bytes`,
      {
        code: 'CAR_TRUNCATED',
        location: sourceLocation(name, reader.byteLength),
      },
    )
  }
  const v1 = await readV1Header(reader, dataOffset, dataEnd, undefined, signal)
  return {
    version: 2,
    roots: v1.roots,
    sectionsStart: v1.end,
    sectionsEnd: dataEnd,
    indexOffset:
      indexOffset > 0 && indexOffset >= dataEnd && indexOffset < reader.byteLength ? indexOffset : undefined,
  }
}

async function readV1Header(
  reader: RangeReader,
  start: number,
  end: number,
  prefetched: Uint8Array | undefined,
  signal?: AbortSignal,
): Promise<{ roots: CID[]; end: number }> {
  const name = reader.name
  let bytes = prefetched ?? (await reader.read(start, Math.min(end, start + 64 * 1024), signal))
  if (bytes.length === 0) {
    throw new CarError('Expected a CAR header, got an empty file', {
      code: 'CAR_TRUNCATED',
      location: sourceLocation(name, start),
    })
  }
  const length = readVarint(bytes, 0)
  if (length === 'invalid' || (length && (length.value === 0 || length.value > MAX_HEADER_BYTES))) {
    throw new CarError(
      `Expected a varint header length between 1 and ${MAX_HEADER_BYTES}, got ${length === 'invalid' ? 'a malformed varint' : length.value}`,
      {
        code: length === 'invalid' ? 'CAR_BAD_VARINT' : 'CAR_BAD_HEADER',
        location: sourceLocation(name, start),
      },
    )
  }
  if (!length || start + length.length + length.value > end) {
    throw new CarError('The CAR header is cut short: the file ends inside it', {
      code: 'CAR_TRUNCATED',
      location: sourceLocation(name, start),
    })
  }
  const headerEnd = start + length.length + length.value
  if (bytes.length < length.length + length.value) bytes = await reader.read(start, headerEnd, signal)
  let header: unknown
  try {
    header = dagCbor.decode(bytes.subarray(length.length, length.length + length.value))
  } catch (err) {
    throw new CarError(
      `Expected a dag-cbor CAR header, got bytes that do not decode: ${(err as Error).message}`,
      {
        code: 'CAR_BAD_HEADER',
        location: sourceLocation(name, start + length.length),
        cause: err,
      },
    )
  }
  const fields = header as { version?: unknown; roots?: unknown } | null
  if (fields === null || typeof fields !== 'object' || fields.version === undefined) {
    throw new CarError('Expected a CAR header map with a version, got something else', {
      code: 'CAR_BAD_HEADER',
      location: sourceLocation(name, start + length.length),
    })
  }
  if (fields.version !== 1) {
    throw new CarError(`Expected CAR version 1 (or a CARv2 pragma), got version ${String(fields.version)}`, {
      code: 'CAR_UNSUPPORTED_VERSION',
      location: sourceLocation(name, start + length.length),
    })
  }
  const roots = fields.roots
  if (!Array.isArray(roots) || roots.some((r) => CID.asCID(r) === null)) {
    throw new CarError('Expected the CAR header to list its roots as CIDs', {
      code: 'CAR_BAD_HEADER',
      location: sourceLocation(name, start + length.length),
    })
  }
  return { roots: roots.map((r) => CID.asCID(r) as CID), end: headerEnd }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}
