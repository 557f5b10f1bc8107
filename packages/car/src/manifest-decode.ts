import * as dagCbor from '@ipld/dag-cbor'
import type { DataType, Field } from '@sd/core'
import { CID } from 'multiformats/cid'
import { CarError } from './errors.js'
import {
  type BatchesManifest,
  type ColumnStats,
  type FileBatch,
  type FileFormat,
  type FileManifest,
  FORMATS,
  MANIFEST_TYPE,
  type Manifest,
  type StoredBatch,
} from './manifest.js'
import { PROFILES, type Profile } from './profiles.js'

/** Fetches a verified block by CID (the manifest's pages). */
export type BlockGetter = (cid: CID) => Promise<Uint8Array>

/**
 * Decodes and checks a manifest: the root block's bytes, then its pages through `get`. Anything
 * that is not a well-formed sd manifest is `CAR_BAD_MANIFEST` (a root that is no sd manifest at all
 * `CAR_NO_MANIFEST`); batch ranges that run past the file, overlap or go backwards included.
 */
export async function decodeManifest(rootCid: CID, bytes: Uint8Array, get: BlockGetter): Promise<Manifest> {
  const cid = rootCid.toString()
  const bad = (what: string) => new CarError(`Bad manifest: ${what}`, { code: 'CAR_BAD_MANIFEST', cid })
  if (rootCid.code !== 0x71) {
    throw new CarError('Expected the root to be an sd manifest (a dag-cbor block); it is not dag-cbor', {
      code: 'CAR_NO_MANIFEST',
      cid,
    })
  }
  let root: unknown
  try {
    root = dagCbor.decode(bytes)
  } catch (err) {
    throw new CarError(`The root block does not decode as dag-cbor: ${(err as Error).message}`, {
      code: 'CAR_BAD_BLOCK',
      cid,
      cause: err,
    })
  }
  if (!isRecord(root) || root.type !== MANIFEST_TYPE) {
    throw new CarError(`Expected the root to be an sd manifest (type "${MANIFEST_TYPE}")`, {
      code: 'CAR_NO_MANIFEST',
      cid,
    })
  }
  if (root.version !== 1) throw bad(`expected version 1, got ${String(root.version)}`)
  const batchesField = root.batches
  if (!isRecord(batchesField) || !isCount(batchesField.count) || !Array.isArray(batchesField.pages)) {
    throw bad('expected batches: { count, pages }')
  }
  const entries: Record<string, unknown>[] = []
  for (const page of batchesField.pages) {
    const link = CID.asCID(page)
    if (!link) throw bad('a batch page is not a link')
    let decoded: unknown
    try {
      decoded = dagCbor.decode(await get(link))
    } catch (err) {
      if (err instanceof CarError) throw err
      throw bad(`batch page ${link} does not decode: ${(err as Error).message}`)
    }
    if (!isRecord(decoded) || !Array.isArray(decoded.batches))
      throw bad(`batch page ${link} holds no batches`)
    for (const entry of decoded.batches) {
      if (!isRecord(entry)) throw bad('a batch entry is not a map')
      entries.push(entry)
    }
  }
  if (entries.length !== batchesField.count) {
    throw bad(`it declares ${batchesField.count} batches, its pages hold ${entries.length}`)
  }
  if (root.layout === 'file') return decodeFileManifest(root, entries, bad)
  if (root.layout === 'batches') return decodeBatchesManifest(root, entries, bad)
  throw bad(`unknown layout ${JSON.stringify(root.layout)}`)
}

function decodeFileManifest(
  root: Record<string, unknown>,
  entries: Record<string, unknown>[],
  bad: (what: string) => CarError,
): FileManifest {
  const file = CID.asCID(root.file)
  if (!file) throw bad('file is not a link')
  if (!isCount(root.byteLength)) throw bad('byteLength is not a non-negative integer')
  const byteLength = root.byteLength
  if (typeof root.name !== 'string') throw bad('name is not a string')
  if (!FORMATS.includes(root.format as FileFormat)) throw bad(`unknown format ${JSON.stringify(root.format)}`)
  if (typeof root.profile !== 'string' || !Object.hasOwn(PROFILES, root.profile)) {
    throw bad(`unknown profile ${JSON.stringify(root.profile)}`)
  }
  if (!(root.sha256 instanceof Uint8Array) || root.sha256.length !== 32) throw bad('sha256 is not 32 bytes')
  const range = (value: unknown, what: string): [number, number] => {
    if (
      !Array.isArray(value) ||
      value.length !== 2 ||
      !isCount(value[0]) ||
      !isCount(value[1]) ||
      value[0] > value[1]
    ) {
      throw bad(`${what} is not a [start, end] pair`)
    }
    return [value[0], value[1]]
  }
  const pastEnd = (end: number, what: string) => {
    if (end > byteLength)
      throw bad(`${what} ends at byte ${end}, past the end of the ${byteLength}-byte file`)
  }
  let header: FileManifest['header']
  if (root.header !== undefined) {
    const [byteStart, byteEnd] = range(root.header, 'header')
    pastEnd(byteEnd, 'the header')
    header = { byteStart, byteEnd }
  }
  const batches: FileBatch[] = []
  let lastRow = 0
  for (const [i, entry] of entries.entries()) {
    const [rowStart, rowEnd] = range(entry.rows, `batch ${i} rows`)
    const [byteStart, byteEnd] = range(entry.bytes, `batch ${i} bytes`)
    pastEnd(byteEnd, `batch ${i}`)
    if (rowStart !== lastRow) throw bad(`batch ${i} starts at row ${rowStart}, expected ${lastRow}`)
    lastRow = rowEnd
    batches.push({ rowStart, rowEnd, byteStart, byteEnd })
  }
  const schema = root.schema === undefined ? undefined : decodeSchema(root.schema, bad)
  if (root.numRows !== undefined && !isCount(root.numRows)) throw bad('numRows is not a non-negative integer')
  const numRows = root.numRows as number | undefined
  if (numRows !== undefined && batches.length > 0 && lastRow !== numRows) {
    throw bad(`the batches hold ${lastRow} rows, numRows says ${numRows}`)
  }
  return {
    layout: 'file',
    name: root.name,
    format: root.format as FileFormat,
    profile: root.profile as Profile,
    file,
    byteLength,
    sha256: Buffer.from(root.sha256).toString('hex'),
    schema,
    numRows,
    header,
    batches,
  }
}

function decodeBatchesManifest(
  root: Record<string, unknown>,
  entries: Record<string, unknown>[],
  bad: (what: string) => CarError,
): BatchesManifest {
  const schema = decodeSchema(root.schema, bad)
  if (!isCount(root.numRows)) throw bad('numRows is not a non-negative integer')
  const batches: StoredBatch[] = []
  let lastRow = 0
  for (const [i, entry] of entries.entries()) {
    const rows = entry.rows
    if (
      !Array.isArray(rows) ||
      rows.length !== 2 ||
      !isCount(rows[0]) ||
      !isCount(rows[1]) ||
      rows[0] > rows[1]
    ) {
      throw bad(`batch ${i} rows is not a [start, end] pair`)
    }
    if (rows[0] !== lastRow) throw bad(`batch ${i} starts at row ${rows[0]}, expected ${lastRow}`)
    lastRow = rows[1]
    const columns = Array.isArray(entry.columns) ? entry.columns.map((c) => CID.asCID(c)) : []
    if (columns.length !== schema.length || columns.some((c) => c === null)) {
      throw bad(`batch ${i} does not link one block for each of the ${schema.length} columns`)
    }
    if (!Array.isArray(entry.stats) || entry.stats.length !== schema.length) {
      throw bad(`batch ${i} has no statistics for each of the ${schema.length} columns`)
    }
    const stats = entry.stats.map((s: unknown, j: number): ColumnStats => {
      if (!isRecord(s) || !isCount(s.nulls)) throw bad(`batch ${i} statistics lack a null count`)
      const out: ColumnStats = { nulls: s.nulls }
      // dag-cbor gives small integers back as numbers: 64-bit columns keep bigint bounds
      const wide = BIGINT_TYPES.has((schema[j] as Field).type)
      const bound = (v: unknown) =>
        typeof v === 'number' || typeof v === 'bigint' ? (wide ? BigInt(v) : Number(v)) : undefined
      const min = bound(s.min)
      const max = bound(s.max)
      if (min !== undefined) out.min = min
      if (max !== undefined) out.max = max
      return out
    })
    batches.push({ rowStart: rows[0], rowEnd: rows[1], columns: columns as CID[], stats })
  }
  if (lastRow !== root.numRows) throw bad(`the batches hold ${lastRow} rows, numRows says ${root.numRows}`)
  return { layout: 'batches', schema, numRows: root.numRows, batches }
}

/** Types whose values (and bounds) are bigints. */
const BIGINT_TYPES: ReadonlySet<string> = new Set(['int64', 'uint64', 'timestamp'])

const DATA_TYPES: ReadonlySet<string> = new Set<DataType>([
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
  'bool',
  'string',
  'binary',
  'timestamp',
  'date',
  'json',
  'vector',
  'null',
])

function decodeSchema(value: unknown, bad: (what: string) => CarError): Field[] {
  if (!Array.isArray(value)) throw bad('schema is not a list of fields')
  const names = new Set<string>()
  return value.map((f: unknown) => {
    if (!isRecord(f) || typeof f.name !== 'string' || typeof f.type !== 'string' || !DATA_TYPES.has(f.type)) {
      throw bad('a schema field lacks a name or a known type')
    }
    if (names.has(f.name)) throw bad(`column "${f.name}" appears twice`)
    names.add(f.name)
    const field: Field = { name: f.name, type: f.type as DataType, nullable: f.nullable === true }
    for (const [key, v] of Object.entries(f)) {
      if (key === 'name' || key === 'type' || key === 'nullable') continue
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
        Object.defineProperty(field, key, { value: v, enumerable: true, writable: true, configurable: true })
      }
    }
    return field
  })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  )
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
