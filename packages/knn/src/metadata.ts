import * as dagCbor from '@ipld/dag-cbor'
import { compileFilter, type Filter } from '@sd/core'
import type { OpenedIndex } from './car-read.js'
import { corrupt, invalid } from './errors.js'

/** Metadata of one vector: a plain object (keys from data are kept as own properties). */
export type Metadata = Record<string, unknown>

/**
 * Metadata by row. Rows added without metadata hold nothing, not even an array slot (the store only
 * counts them), and read as `{ id: String(index) }`: indexing eight million mapped vectors costs no
 * memory per row.
 */
export class MetadataStore {
  /** Metadata given for a row; a row past its end, or a hole, has the default. */
  private readonly items: (Metadata | undefined)[] = []
  private rows = 0
  /** Top-level keys some row has. */
  readonly fields = new Set<string>()

  get length(): number {
    return this.rows
  }

  /** Appends metadata for `count` rows starting at `first` (`undefined` = the default). */
  append(first: number, count: number, metadata: readonly unknown[] | undefined): void {
    if (metadata === undefined) {
      this.rows = Math.max(this.rows, first + count)
      this.fields.add('id')
      return
    }
    for (let i = 0; i < count; i++) {
      const m = metadata[i]
      if (typeof m !== 'object' || m === null || Array.isArray(m))
        throw invalid(
          'KNN_BAD_METADATA',
          `Expected metadata ${i} to be an object, got ${m === null ? 'null' : typeof m}`,
          first + i,
        )
    }
    for (let i = 0; i < count; i++) {
      const m = metadata[i] as Metadata
      for (const key of Object.keys(m)) this.fields.add(key)
      this.items[first + i] = m
    }
    this.rows = Math.max(this.rows, first + count)
  }

  /** Appends metadata read from a saved index (rows not listed read as the default). */
  appendStored(first: number, stored: StoredMetadata): void {
    this.rows = Math.max(this.rows, first + stored.count)
    if (stored.rows.length < stored.count) this.fields.add('id')
    stored.rows.forEach((row, i) => {
      const m = stored.items[i] as Metadata
      for (const key of Object.keys(m)) this.fields.add(key)
      this.items[first + row] = m
    })
  }

  /** The metadata of row `index`. */
  get(index: number): Metadata {
    return this.items[index] ?? { id: String(index) }
  }

  /** Metadata as stored (`undefined` for a default), for saving. */
  raw(index: number): Metadata | undefined {
    return this.items[index]
  }

  /**
   * The rows `filter` allows among the live ones, as a 0/1 mask, and how many. A filter on a field
   * no row has is refused (`KNN_UNKNOWN_FIELD`): it would silently match nothing (or everything).
   */
  mask(filter: Filter, live: Uint8Array, rows: number): { mask: Uint8Array; allowed: number } {
    const compiled = compileFilter(filter)
    for (const field of compiled.fields) {
      const top = field.split('.')[0] as string
      if (!this.fields.has(field) && !this.fields.has(top))
        throw invalid(
          'KNN_UNKNOWN_FIELD',
          `The filter reads field "${field}", which no vector's metadata has (fields: ${[...this.fields].slice(0, 20).join(', ')})`,
        )
    }
    const mask = new Uint8Array(new SharedArrayBuffer(rows))
    let allowed = 0
    for (let i = 0; i < rows; i++) {
      if (live[i] === 0) continue
      if (compiled.matches(this.get(i))) {
        mask[i] = 1
        allowed++
      }
    }
    return { mask, allowed }
  }
}

/** Metadata of a saved index: `count` rows, of which `rows` hold `items` (the others the default). */
export interface StoredMetadata {
  count: number
  rows: number[]
  items: Metadata[]
}

/** The metadata blocks of a saved index, verified and decoded (defaults are not materialized). */
export function readMetadata(opened: OpenedIndex): StoredMetadata {
  const out: StoredMetadata = { count: 0, rows: [], items: [] }
  for (const chunk of opened.manifest.metadata) {
    const items = dagCbor.decode(opened.block(chunk.link)) as unknown
    if (!Array.isArray(items) || items.length !== chunk.count)
      throw corrupt('KNN_BAD_SAVE', `A metadata block does not hold ${chunk.count} entries`, opened.path)
    for (const item of items) {
      if (item !== null && (typeof item !== 'object' || Array.isArray(item)))
        throw corrupt('KNN_BAD_SAVE', `A metadata entry is not an object`, opened.path)
      if (item !== null) {
        out.rows.push(out.count)
        out.items.push(item as Metadata)
      }
      out.count++
    }
  }
  return out
}
