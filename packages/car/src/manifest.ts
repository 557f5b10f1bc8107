import * as dagCbor from '@ipld/dag-cbor'
import type { Field } from '@sd/core'
import type { CID } from 'multiformats/cid'
import type { Profile } from './profiles.js'

/** The `type` tag of every sd manifest block. */
export const MANIFEST_TYPE = 'sd/dataset'
/** Batch entries per page block at most, and bytes per page (every block stays below 1 MiB, whatever the batch count). */
export const BATCHES_PER_PAGE = 2048
const PAGE_BYTES = 512 << 10

/** The formats {@link packFile} knows; `'none'` is any other file (packed without batches). */
export type FileFormat = 'parquet' | 'csv' | 'ndjson' | 'json' | 'none'
/** Every {@link FileFormat}. */
export const FORMATS: readonly FileFormat[] = ['parquet', 'csv', 'ndjson', 'json', 'none']

/** One batch of a packed file: its rows and the bytes that hold them. */
export interface FileBatch {
  /** Rows `[rowStart, rowEnd)` of the file (0-based, data rows only). */
  rowStart: number
  rowEnd: number
  /** Bytes `[byteStart, byteEnd)` of the file: a Parquet row group's column chunks, or whole lines. */
  byteStart: number
  byteEnd: number
}

/** The manifest of a file packed by {@link packFile}: the file layout. */
export interface FileManifest {
  layout: 'file'
  /** The file's name when packed (no directories). */
  name: string
  format: FileFormat
  profile: Profile
  /** Root of the UnixFS file DAG. */
  file: CID
  byteLength: number
  /** sha2-256 of the file's bytes, as hex (compare with `sha256sum`). */
  sha256: string
  /** Columns, when the format package could tell them. */
  schema: Field[] | undefined
  /** Data rows, when the format has rows. */
  numRows: number | undefined
  /** The CSV header line's bytes `[start, end)`. */
  header: { byteStart: number; byteEnd: number } | undefined
  /** Parquet row groups, or line-aligned CSV/NDJSON ranges; empty for other formats. */
  batches: FileBatch[]
}

/** Minimum, maximum and null count of one column in one batch (min/max for numeric columns). */
export interface ColumnStats {
  nulls: number
  min?: number | bigint
  max?: number | bigint
}

/** One batch of the batch layout: its rows, one block per column, and statistics per column (both in schema order). */
export interface StoredBatch {
  rowStart: number
  rowEnd: number
  /** Each column's block (dag-cbor: its layout and buffers, or links to their pieces). */
  columns: CID[]
  stats: ColumnStats[]
}

/** The manifest of a dataset written by {@link writeCar}: the batch layout. */
export interface BatchesManifest {
  layout: 'batches'
  schema: Field[]
  numRows: number
  batches: StoredBatch[]
}

/** Either layout's manifest. */
export type Manifest = FileManifest | BatchesManifest

/** A block of the manifest's DAG: its CID and bytes. */
export interface EncodedBlock {
  cid: CID
  bytes: Uint8Array
}

/** Encodes a dag-cbor block and its CIDv1. */
export function cborBlock(value: unknown, hash: (bytes: Uint8Array) => CID): EncodedBlock {
  const bytes = dagCbor.encode(value)
  return { cid: hash(bytes), bytes }
}

/**
 * The blocks of a manifest: the page blocks (each up to {@link BATCHES_PER_PAGE} batch entries),
 * then the root, last. `hash` makes the dag-cbor CID of a block.
 */
export function encodeManifest(manifest: Manifest, hash: (bytes: Uint8Array) => CID): EncodedBlock[] {
  const blocks: EncodedBlock[] = []
  const pages: CID[] = []
  const entries =
    manifest.layout === 'file' ? manifest.batches.map(fileBatchEntry) : manifest.batches.map(storedBatchEntry)
  let page: unknown[] = []
  let pageBytes = 0
  const flush = () => {
    if (page.length === 0) return
    const block = cborBlock({ batches: page }, hash)
    blocks.push(block)
    pages.push(block.cid)
    page = []
    pageBytes = 0
  }
  for (const entry of entries) {
    const size = dagCbor.encode(entry).length
    if (page.length >= BATCHES_PER_PAGE || pageBytes + size > PAGE_BYTES) flush()
    page.push(entry)
    pageBytes += size
  }
  flush()
  const root: Record<string, unknown> = { type: MANIFEST_TYPE, version: 1, layout: manifest.layout }
  if (manifest.layout === 'file') {
    root.name = manifest.name
    root.format = manifest.format
    root.profile = manifest.profile
    root.file = manifest.file
    root.byteLength = manifest.byteLength
    root.sha256 = Buffer.from(manifest.sha256, 'hex')
    if (manifest.header) root.header = [manifest.header.byteStart, manifest.header.byteEnd]
    if (manifest.schema) root.schema = manifest.schema.map(fieldEntry)
    if (manifest.numRows !== undefined) root.numRows = manifest.numRows
  } else {
    root.schema = manifest.schema.map(fieldEntry)
    root.numRows = manifest.numRows
  }
  root.batches = { count: entries.length, pages }
  blocks.push(cborBlock(root, hash))
  return blocks
}

function fileBatchEntry(b: FileBatch): unknown {
  return { rows: [b.rowStart, b.rowEnd], bytes: [b.byteStart, b.byteEnd] }
}

function storedBatchEntry(b: StoredBatch): unknown {
  return {
    rows: [b.rowStart, b.rowEnd],
    columns: b.columns,
    stats: b.stats.map((s) => {
      const out: Record<string, unknown> = { nulls: s.nulls }
      if (s.min !== undefined) out.min = s.min
      if (s.max !== undefined) out.max = s.max
      return out
    }),
  }
}

function fieldEntry(field: Field): unknown {
  // dag-cbor has no undefined: only the keys that are set
  const out: Record<string, unknown> = { name: field.name, type: field.type, nullable: field.nullable }
  for (const [key, value] of Object.entries(field)) {
    if (key in out || value === undefined) continue
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value
  }
  return out
}
