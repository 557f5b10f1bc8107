import { RecordBatch, type Row } from '@sd/core'
import { matchFilter } from 'hyparquet/src/filter.js'
import type { HuggingFaceFilter } from './options.js'

/**
 * Cuts a stream of row objects into batches of exactly `batchSize` rows, keeping only rows that
 * match `filters` and only the `columns` asked for (a missing one is `null`).
 */
export class RowBatcher {
  readonly #size: number
  readonly #columns: string[] | undefined
  readonly #filters: HuggingFaceFilter | undefined
  #rows: Row[] = []

  constructor(batchSize: number, columns: string[] | undefined, filters: HuggingFaceFilter | undefined) {
    this.#size = batchSize
    this.#columns = columns
    this.#filters = filters
  }

  /** Adds a row; returns the batch it completes, if any. */
  push(row: Row): RecordBatch | undefined {
    if (this.#filters && !matchFilter(row, this.#filters)) return undefined
    this.#rows.push(this.#columns ? project(row, this.#columns) : row)
    return this.#rows.length === this.#size ? this.flush() : undefined
  }

  /** The rows still waiting, as one batch (`undefined` when there are none). */
  flush(): RecordBatch | undefined {
    if (this.#rows.length === 0) return undefined
    const batch = RecordBatch.fromRows(this.#rows)
    this.#rows = []
    return batch
  }
}

function project(row: Row, columns: string[]): Row {
  const out: Row = {}
  for (const c of columns) out[c] = row[c] ?? null
  return out
}
