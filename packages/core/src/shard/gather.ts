import type { ColumnData } from '../columns/column-data.js'
import { concatColumnData } from '../columns/concat.js'
import { RecordBatch, type Row } from '../record-batch.js'
import type { Field } from '../schema.js'
import { gatherColumn } from './gather-columns.js'

/**
 * The rows of a shuffle block (slices of the units it was read from), gathered in any order: the
 * parts are joined once per block, column by column (typed-array copies; one part is used as is),
 * and every take is a plain gather of each joined column by the permutation.
 */
export class BlockRows<R extends Row> {
  readonly rows: number
  readonly #schema: Field[]
  readonly #columns: ColumnData[]

  constructor(parts: readonly RecordBatch<R>[]) {
    let rows = 0
    for (const p of parts) rows += p.numRows
    this.rows = rows
    const first = parts[0]
    const same =
      first !== undefined &&
      parts.every(
        (p) =>
          p.schema.length === first.schema.length &&
          p.schema.every((f, i) => f.name === first.schema[i]?.name && f.type === first.schema[i]?.type),
      )
    if (!same) {
      const joined = RecordBatch.concat(parts)
      this.#schema = joined.schema
      this.#columns = joined.columns()
      return
    }
    this.#schema = first.schema.map((f, i) => ({
      ...f,
      nullable: parts.some((p) => p.schema[i]?.nullable === true),
    }))
    const lengths = parts.map((p) => p.numRows)
    this.#columns = this.#schema.map((field, c) =>
      concatColumnData(
        parts.map((p) => p.columns()[c] as ColumnData),
        lengths,
        field,
      ),
    )
  }

  /** Block rows `order[from..to)`, in that order, as one batch. */
  take(order: Int32Array, from: number, to: number): RecordBatch<R> {
    const indices = order.subarray(from, to)
    return RecordBatch.fromData<R>(
      this.#schema,
      this.#columns.map((column) => gatherColumn(column, indices)),
    )
  }
}
