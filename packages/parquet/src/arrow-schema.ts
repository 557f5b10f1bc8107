import type { FileMetaData } from 'hyparquet'

/** Footer key-value entry where Arrow writers (arrow-rs, parquet-wasm, pyarrow) keep the Arrow schema. */
export const ARROW_SCHEMA_KEY = 'ARROW:schema'

/** Arrow's `Type` union tags (Schema.fbs) this reader looks at. */
const FLOATING_POINT = 3
const FIXED_SIZE_LIST = 16
/** Arrow's `Precision.SINGLE`. */
const SINGLE = 1
/** Arrow's `MessageHeader.Schema`. */
const SCHEMA_HEADER = 1

/**
 * The top-level columns the Arrow schema in the footer declares as `FixedSizeList<Float32>`, by
 * name, with their list size: Parquet writes them as plain LISTs, and only this schema says that
 * every list of the column has the same length. Empty when the footer holds no Arrow schema, or
 * one this reader cannot follow (the Parquet types then stand).
 */
export function arrowVectorDimensions(metadata: FileMetaData): Map<string, number> {
  const out = new Map<string, number>()
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === ARROW_SCHEMA_KEY)
  if (!entry?.value) return out
  try {
    const ipc = Buffer.from(entry.value, 'base64')
    const view = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength)
    // an encapsulated IPC message: [0xFFFFFFFF] int32 length, then the flatbuffer
    const start = ipc.byteLength >= 8 && view.getUint32(0, true) === 0xffffffff ? 8 : 4
    const fb = new FlatBuffer(new DataView(ipc.buffer, ipc.byteOffset + start, ipc.byteLength - start))
    const message = fb.root()
    if (fb.u8(message, 1, 0) !== SCHEMA_HEADER) return out
    const schema = fb.table(message, 2)
    for (const field of fb.tables(schema, 1)) {
      if (fb.u8(field, 2, 0) !== FIXED_SIZE_LIST) continue
      const name = fb.string(field, 0)
      const size = fb.i32(fb.table(field, 3), 0, 0)
      const [child] = fb.tables(field, 5)
      if (name === undefined || child === undefined || !(size > 0)) continue
      if (fb.u8(child, 2, 0) !== FLOATING_POINT) continue
      // precision defaults to HALF when absent
      if (fb.i16(fb.table(child, 3), 0, 0) !== SINGLE) continue
      out.set(name, size)
    }
  } catch {
    out.clear() // not a schema this reader can follow
  }
  return out
}

/** The few flatbuffer reads an Arrow schema needs, every offset checked against the buffer. */
class FlatBuffer {
  readonly #view: DataView
  constructor(view: DataView) {
    this.#view = view
  }

  #at(pos: number, size: number): number {
    if (!(pos >= 0 && pos + size <= this.#view.byteLength)) throw new RangeError('outside the schema')
    return pos
  }

  root(): number {
    return this.#deref(0)
  }

  #deref(pos: number): number {
    return pos + this.#view.getUint32(this.#at(pos, 4), true)
  }

  /** Where field `index` of the table at `table` is, or 0 when it is absent. */
  #field(table: number, index: number): number {
    const vtable = table - this.#view.getInt32(this.#at(table, 4), true)
    const size = this.#view.getUint16(this.#at(vtable, 2), true)
    const slot = 4 + 2 * index
    if (slot + 2 > size) return 0
    const offset = this.#view.getUint16(this.#at(vtable + slot, 2), true)
    return offset === 0 ? 0 : table + offset
  }

  u8(table: number, index: number, fallback: number): number {
    const pos = this.#field(table, index)
    return pos === 0 ? fallback : this.#view.getUint8(this.#at(pos, 1))
  }

  i16(table: number, index: number, fallback: number): number {
    const pos = this.#field(table, index)
    return pos === 0 ? fallback : this.#view.getInt16(this.#at(pos, 2), true)
  }

  i32(table: number, index: number, fallback: number): number {
    const pos = this.#field(table, index)
    return pos === 0 ? fallback : this.#view.getInt32(this.#at(pos, 4), true)
  }

  table(table: number, index: number): number {
    const pos = this.#field(table, index)
    if (pos === 0) throw new RangeError('a table is missing')
    return this.#deref(pos)
  }

  tables(table: number, index: number): number[] {
    const pos = this.#field(table, index)
    if (pos === 0) return []
    const vector = this.#deref(pos)
    const length = this.#view.getUint32(this.#at(vector, 4), true)
    this.#at(vector + 4, length * 4)
    return Array.from({ length }, (_, i) => this.#deref(vector + 4 + 4 * i))
  }

  string(table: number, index: number): string | undefined {
    const pos = this.#field(table, index)
    if (pos === 0) return undefined
    const at = this.#deref(pos)
    const length = this.#view.getUint32(this.#at(at, 4), true)
    const v = this.#view
    return new TextDecoder('utf-8', { fatal: true }).decode(
      new Uint8Array(v.buffer, v.byteOffset + this.#at(at + 4, length), length),
    )
  }
}
