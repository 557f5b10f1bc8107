import * as dagCbor from '@ipld/dag-cbor'
import {
  bitmapBytes,
  type ColumnData,
  type DictionaryColumn,
  getBit,
  type Utf8Column,
  ValidationError,
} from '@sd/core'
import type { CID } from 'multiformats/cid'
import { cborCid } from './cid.js'
import type { ColumnStats, EncodedBlock } from './manifest.js'

/** A column's block may hold this many bytes of buffers inline; larger columns link pieces. */
export const INLINE_BYTES = 1 << 20
/** Bytes per piece block (a dag-cbor byte string: 5 bytes of header, the block stays within 1 MiB). */
export const PIECE_BYTES = (1 << 20) - 16

/** A column encoded for the batch layout: the blocks to write (pieces first, the column's own last). */
export interface EncodedColumn {
  blocks: EncodedBlock[]
  /** The column's block. */
  cid: CID
  stats: ColumnStats
}

/** A buffer in a column block: bytes inline, or the list of piece blocks holding them in order. */
type Part = Uint8Array | CID[]

/**
 * Encodes one column of a batch as Arrow's buffers, raw bytes in dag-cbor (no per-value encoding):
 * the column block names its layout (`kind`, `type`, `length`, `nulls`, and `unit`, `timezone`,
 * `dimension` where they apply) and holds its buffers (`values`, `validity`, `bits`, `offsets`,
 * `bytes`, `indices`, a dictionary's own), inline while the column fits in 1 MiB, else as links to
 * pieces of at most 1 MiB. Typed arrays are stored as little-endian bytes. `json` columns hold
 * their values as JSON text (values JSON cannot hold exactly are refused).
 */
export function encodeColumn(data: ColumnData, name: string): EncodedColumn {
  const buffers = new Map<string, Uint8Array>()
  const head = describe(data, buffers, '', name)
  let total = 0
  for (const bytes of buffers.values()) total += bytes.length
  const blocks: EncodedBlock[] = []
  const parts = new Map<string, Part>()
  // largest buffers go out first, until what stays inline fits
  const order = [...buffers.entries()].sort((a, b) => b[1].length - a[1].length)
  for (const [key, bytes] of order) {
    if (total <= INLINE_BYTES) {
      parts.set(key, bytes)
      continue
    }
    const links: CID[] = []
    for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
      const piece = dagCbor.encode(bytes.subarray(at, at + PIECE_BYTES))
      const block = { cid: cborCid(piece), bytes: piece }
      blocks.push(block)
      links.push(block.cid)
    }
    parts.set(key, links)
    total -= bytes.length
  }
  const value = assemble(head, parts)
  const bytes = dagCbor.encode(value)
  const cid = cborCid(bytes)
  blocks.push({ cid, bytes })
  return { blocks, cid, stats: columnStats(data) }
}

/** The column's header fields; its buffers go into `buffers` under `prefix + name`. */
function describe(
  data: ColumnData,
  buffers: Map<string, Uint8Array>,
  prefix: string,
  column: string,
): Record<string, unknown> {
  const head: Record<string, unknown> = {
    kind: data.kind,
    type: data.type,
    length: data.length,
    nulls: data.nullCount,
  }
  if (data.validity) buffers.set(`${prefix}validity`, data.validity.subarray(0, bitmapBytes(data.length)))
  switch (data.kind) {
    case 'fixed':
      if (data.unit !== undefined) head.unit = data.unit
      if (data.timezone !== undefined) head.timezone = data.timezone
      buffers.set(`${prefix}values`, bytesOf(data.values))
      break
    case 'bool':
      buffers.set(`${prefix}bits`, data.bits.subarray(0, bitmapBytes(data.length)))
      break
    case 'utf8':
      utf8Buffers(data, buffers, prefix)
      break
    case 'dictionary':
      buffers.set(`${prefix}indices`, bytesOf((data as DictionaryColumn).indices.subarray(0, data.length)))
      head.dictionary = describe(data.dictionary, buffers, `${prefix}dictionary.`, column)
      break
    case 'vector':
      head.dimension = data.dimension
      buffers.set(`${prefix}values`, bytesOf(data.values.subarray(0, data.length * data.dimension)))
      break
    case 'json':
      buffers.set(`${prefix}values`, new TextEncoder().encode(jsonText(data.values, column)))
      break
  }
  return head
}

/** Offsets rebased to 0 and the bytes they cover (a sliced column shares its parent's bytes). */
function utf8Buffers(data: Utf8Column, buffers: Map<string, Uint8Array>, prefix: string): void {
  const offsets = data.offsets.subarray(0, data.length + 1)
  const first = offsets[0] ?? 0
  const last = offsets[data.length] ?? 0
  let rebased = offsets
  if (first !== 0) {
    rebased = new Int32Array(offsets.length)
    for (let i = 0; i < offsets.length; i++) rebased[i] = (offsets[i] as number) - first
  }
  buffers.set(`${prefix}offsets`, bytesOf(rebased))
  buffers.set(`${prefix}bytes`, data.bytes.subarray(first, last))
}

/** Puts the parts back into the header tree (`dictionary.` keys into the dictionary's header). */
function assemble(head: Record<string, unknown>, parts: Map<string, Part>): Record<string, unknown> {
  const own: Record<string, Part> = {}
  const nested = new Map<string, Part>()
  for (const [key, part] of parts) {
    if (key.startsWith('dictionary.')) nested.set(key.slice('dictionary.'.length), part)
    else own[key] = part
  }
  const out: Record<string, unknown> = { ...head, buffers: own }
  if (head.dictionary) out.dictionary = assemble(head.dictionary as Record<string, unknown>, nested)
  return out
}

/** The bytes of a typed array (a view, no copy). */
function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
}

/** JSON text of a json column; a value JSON would change (a bigint, NaN, undefined inside) is refused. */
function jsonText(values: readonly unknown[], column: string): string {
  return JSON.stringify(
    values.map((v) => (v === undefined ? null : v)),
    (_key, value: unknown) => {
      if (
        typeof value === 'bigint' ||
        (typeof value === 'number' && !Number.isFinite(value)) ||
        value === undefined
      ) {
        throw new ValidationError(
          `Column "${column}" holds ${String(value)}, which a JSON column cannot store exactly`,
          {
            code: 'TYPE_MISMATCH',
            location: { column },
          },
        )
      }
      return value
    },
  )
}

/** Null count and, for numeric columns, the minimum and maximum of the valid values (NaN aside). */
export function columnStats(data: ColumnData): ColumnStats {
  const stats: ColumnStats = { nulls: data.nullCount }
  if (data.kind !== 'fixed' || data.length === data.nullCount) return stats
  const values = data.values
  const validity = data.validity
  let min: number | bigint | undefined
  let max: number | bigint | undefined
  for (let i = 0; i < data.length; i++) {
    if (validity && getBit(validity, i) === 0) continue
    const v = values[i] as number | bigint
    if (typeof v === 'number' && Number.isNaN(v)) continue
    if (min === undefined || v < min) min = v
    if (max === undefined || v > max) max = v
  }
  // dag-cbor holds no infinity: such a batch keeps no bounds rather than wrong ones
  if (min === undefined || max === undefined || !isFiniteBound(min) || !isFiniteBound(max)) return stats
  stats.min = normalize(min)
  stats.max = normalize(max)
  return stats
}

function isFiniteBound(v: number | bigint): boolean {
  return typeof v === 'bigint' || Number.isFinite(v)
}

/** -0 as 0 (dag-cbor would encode -0 as a float, 0 as an int). */
function normalize(v: number | bigint): number | bigint {
  return v === 0 ? 0 : v
}
