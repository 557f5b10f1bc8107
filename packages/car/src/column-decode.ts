import * as dagCbor from '@ipld/dag-cbor'
import {
  BoolColumn,
  bitmapBytes,
  type ColumnData,
  DictionaryColumn,
  FIXED_ARRAYS,
  type Field,
  FixedColumn,
  getBit,
  isFixedType,
  JsonColumn,
  type TimeUnit,
  type TypedColumn,
  Utf8Column,
  VectorColumn,
} from '@sd/core'
import { CID } from 'multiformats/cid'
import { CarError } from './errors.js'

/** Fetches a checked block. */
export type GetBlock = (cid: CID) => Promise<Uint8Array>

/**
 * Rebuilds a column of the batch layout from its block (and its pieces, fetched through `get`):
 * checks that it is the column `field` describes, with `rows` slots, and that every buffer has the
 * size its layout needs (offsets that run backwards or past their bytes included). Anything else is
 * `CAR_BAD_BLOCK` naming the block and the column.
 */
export async function decodeColumn(cid: CID, field: Field, rows: number, get: GetBlock): Promise<ColumnData> {
  const bad = (what: string) =>
    new CarError(`Column "${field.name}": ${what}`, {
      code: 'CAR_BAD_BLOCK',
      cid: cid.toString(),
      location: { column: field.name },
    })
  let head: unknown
  try {
    head = dagCbor.decode(await get(cid))
  } catch (err) {
    if (err instanceof CarError) throw err
    throw bad(`the column block does not decode: ${(err as Error).message}`)
  }
  const column = await build(head, rows, get, bad)
  if (column.type !== field.type) throw bad(`expected type ${field.type}, the block holds ${column.type}`)
  return column
}

async function build(
  head: unknown,
  rows: number,
  get: GetBlock,
  bad: (what: string) => CarError,
): Promise<ColumnData> {
  if (!isRecord(head) || !isRecord(head.buffers)) throw bad('the block is not a column')
  const { kind, type } = head
  if (head.length !== rows) throw bad(`expected ${rows} rows, the block holds ${String(head.length)}`)
  const nulls = head.nulls
  if (typeof nulls !== 'number' || !Number.isSafeInteger(nulls) || nulls < 0 || nulls > rows) {
    throw bad('the null count is not a count of its rows')
  }
  const buffers = head.buffers
  const buffer = async (
    name: string,
    bytes: number | undefined,
    optional = false,
  ): Promise<Uint8Array | undefined> => {
    const part = buffers[name]
    if (part === undefined) {
      if (optional) return undefined
      throw bad(`the ${name} buffer is missing`)
    }
    const out = await joinPart(part, get, bad, name)
    if (bytes !== undefined && out.length !== bytes)
      throw bad(`the ${name} buffer holds ${out.length} bytes, expected ${bytes}`)
    return out
  }
  const validity = nulls > 0 ? await buffer('validity', bitmapBytes(rows)) : undefined
  switch (kind) {
    case 'fixed': {
      if (typeof type !== 'string' || !isFixedType(type as never))
        throw bad(`unknown fixed type ${String(type)}`)
      const Ctor = FIXED_ARRAYS[type as keyof typeof FIXED_ARRAYS]
      const raw = (await buffer('values', rows * Ctor.BYTES_PER_ELEMENT)) as Uint8Array
      const options: { nullCount: number; unit?: TimeUnit; timezone?: string } = { nullCount: nulls }
      if (typeof head.unit === 'string') options.unit = head.unit as TimeUnit
      if (typeof head.timezone === 'string') options.timezone = head.timezone
      return new FixedColumn(type as never, typed(Ctor, raw), validity, options)
    }
    case 'bool':
      return new BoolColumn((await buffer('bits', bitmapBytes(rows))) as Uint8Array, rows, validity, nulls)
    case 'utf8':
      return utf8(type, rows, validity, nulls, buffer, bad)
    case 'dictionary': {
      const indices = typed(Int32Array, (await buffer('indices', rows * 4)) as Uint8Array) as Int32Array
      const dictionary = await build(
        head.dictionary,
        (head.dictionary as { length?: number })?.length ?? -1,
        get,
        bad,
      )
      if (dictionary.kind !== 'utf8') throw bad('a dictionary must hold strings or bytes')
      for (let i = 0; i < rows; i++) {
        const k = indices[i] as number
        if ((k < 0 || k >= dictionary.length) && (!validity || getBit(validity, i) === 1)) {
          throw bad(`index ${k} at row ${i} is outside the dictionary of ${dictionary.length}`)
        }
      }
      return new DictionaryColumn(indices, dictionary, validity, nulls)
    }
    case 'vector': {
      const dimension = head.dimension
      if (typeof dimension !== 'number' || !Number.isSafeInteger(dimension) || dimension <= 0)
        throw bad('no dimension')
      const values = typed(
        Float32Array,
        (await buffer('values', rows * dimension * 4)) as Uint8Array,
      ) as Float32Array
      return new VectorColumn(values, dimension, validity, nulls)
    }
    case 'json': {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await buffer('values', undefined))
      let values: unknown
      try {
        values = JSON.parse(text)
      } catch (err) {
        throw bad(`the JSON values do not parse: ${(err as Error).message}`)
      }
      if (!Array.isArray(values) || values.length !== rows) throw bad(`expected ${rows} JSON values`)
      return new JsonColumn(values, type === 'null' ? 'null' : 'json')
    }
    default:
      throw bad(`unknown column kind ${String(kind)}`)
  }
}

async function utf8(
  type: unknown,
  rows: number,
  validity: Uint8Array | undefined,
  nulls: number,
  buffer: (name: string, bytes: number | undefined) => Promise<Uint8Array | undefined>,
  bad: (what: string) => CarError,
): Promise<Utf8Column> {
  if (type !== 'string' && type !== 'binary') throw bad(`unknown string type ${String(type)}`)
  const offsets = typed(Int32Array, (await buffer('offsets', (rows + 1) * 4)) as Uint8Array) as Int32Array
  const bytes = (await buffer('bytes', undefined)) as Uint8Array
  if (offsets[0] !== 0 || offsets[rows] !== bytes.length) throw bad('the offsets do not span the bytes')
  for (let i = 0; i < rows; i++) {
    if ((offsets[i + 1] as number) < (offsets[i] as number))
      throw bad(`the offsets run backwards at row ${i}`)
  }
  return new Utf8Column(type, offsets, bytes, validity, nulls)
}

/** A buffer's bytes: inline, or its pieces joined (each a dag-cbor byte string). */
async function joinPart(
  part: unknown,
  get: GetBlock,
  bad: (what: string) => CarError,
  name: string,
): Promise<Uint8Array> {
  if (part instanceof Uint8Array) return part
  if (!Array.isArray(part)) throw bad(`the ${name} buffer is neither bytes nor a list of pieces`)
  const pieces = await Promise.all(
    part.map(async (link) => {
      const cid = CID.asCID(link)
      if (!cid) throw bad(`a piece of the ${name} buffer is not a link`)
      const piece = dagCbor.decode(await get(cid))
      if (!(piece instanceof Uint8Array)) throw bad(`a piece of the ${name} buffer is not bytes`)
      return piece
    }),
  )
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.length
  }
  return out
}

type TypedCtor = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): TypedColumn
  BYTES_PER_ELEMENT: number
}

/** A typed array over `bytes`: a view when they are aligned, else an aligned copy. */
function typed(Ctor: TypedCtor | { BYTES_PER_ELEMENT: number }, bytes: Uint8Array): TypedColumn {
  const C = Ctor as TypedCtor
  const size = C.BYTES_PER_ELEMENT
  if (bytes.byteOffset % size === 0)
    return new C(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length / size)
  const copy = bytes.slice()
  return new C(copy.buffer, 0, copy.length / size)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  )
}
