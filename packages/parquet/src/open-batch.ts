import { type ColumnData, concatColumnData, type Field } from '@sd/core'
import type { ChunkReader } from './chunk-reader.js'
import type { ColumnOut } from './column-info.js'

/**
 * One batch decoded across the row groups it spans. Flat columns decode straight into one output
 * of the batch's size, so the batch is never joined from pieces (a second copy of every value, and
 * twice the allocations); nested and vector columns, decoded a row group at a time, are joined
 * at the end.
 */
export class OpenBatch {
  /** Rows the batch holds once filled. */
  readonly size: number
  #filled = 0
  readonly #flat = new Map<string, { out: ColumnOut; reader: ChunkReader }>()
  readonly #parts = new Map<string, { field: Field; parts: ColumnData[] }>()

  constructor(size: number) {
    this.size = size
  }

  /** Rows filled so far. */
  get filled(): number {
    return this.#filled
  }

  /** Decodes the next `n` rows of a flat column's chunk into the batch. */
  async fillFlat(name: string, reader: ChunkReader, n: number): Promise<void> {
    let slot = this.#flat.get(name)
    if (!slot) {
      slot = { out: reader.makeOut(this.size), reader }
      this.#flat.set(name, slot)
    }
    // the last chunk finishes the column (its location names the error)
    slot.reader = reader
    await reader.fill(slot.out, this.#filled, n)
  }

  /** Adds the next rows of a column decoded whole (nested, vector). */
  addPart(name: string, field: Field, data: ColumnData): void {
    let slot = this.#parts.get(name)
    if (!slot) {
      slot = { field, parts: [] }
      this.#parts.set(name, slot)
    }
    slot.parts.push(data)
  }

  /** Counts `n` rows filled in every column. */
  advance(n: number): void {
    this.#filled += n
  }

  /** The batch's columns by name. */
  finish(): Map<string, ColumnData> {
    const out = new Map<string, ColumnData>()
    for (const [name, { out: o, reader }] of this.#flat) out.set(name, reader.finish(o))
    for (const [name, { field, parts }] of this.#parts) {
      out.set(
        name,
        concatColumnData(
          parts,
          parts.map((p) => p.length),
          field,
        ),
      )
    }
    return out
  }
}
