import { ValidationError } from './errors.js'
import { RecordBatch, type Row } from './record-batch.js'

/**
 * Cuts and joins a stream of batches into batches of exactly `size` rows (the last may be
 * shorter). Slices of typed columns are views; a batch is copied only when pieces are joined.
 *
 * @example
 * ```ts
 * const acc = new BatchAccumulator(10_000)
 * for (const batch of rowGroups) for (const out of acc.push(batch)) yield out
 * const rest = acc.flush(); if (rest) yield rest
 * ```
 */
export class BatchAccumulator<R extends Row = Row> {
  readonly size: number
  #pending: RecordBatch<R>[] = []
  #pendingRows = 0

  constructor(size: number) {
    assertBatchSize(size)
    this.size = size
  }

  /** Rows waiting for a full batch. */
  get pendingRows(): number {
    return this.#pendingRows
  }

  /** Adds `batch`; returns the full batches it completes. */
  push(batch: RecordBatch<R>): RecordBatch<R>[] {
    const out: RecordBatch<R>[] = []
    if (batch.numRows === 0) return out
    let offset = 0
    // fast path: nothing pending, so whole slices of the batch go straight out
    if (this.#pendingRows === 0) {
      while (batch.numRows - offset >= this.size) {
        out.push(batch.slice(offset, offset + this.size))
        offset += this.size
      }
      if (offset < batch.numRows) {
        this.#pending.push(offset === 0 ? batch : batch.slice(offset))
        this.#pendingRows = batch.numRows - offset
      }
      return out
    }
    while (offset < batch.numRows) {
      const take = Math.min(this.size - this.#pendingRows, batch.numRows - offset)
      this.#pending.push(take === batch.numRows && offset === 0 ? batch : batch.slice(offset, offset + take))
      this.#pendingRows += take
      offset += take
      if (this.#pendingRows === this.size) out.push(this.#drain())
      if (this.#pendingRows === 0 && batch.numRows - offset >= this.size) {
        while (batch.numRows - offset >= this.size) {
          out.push(batch.slice(offset, offset + this.size))
          offset += this.size
        }
      }
    }
    return out
  }

  /** The rows still pending as one batch, or `undefined` when there are none. */
  flush(): RecordBatch<R> | undefined {
    return this.#pendingRows === 0 ? undefined : this.#drain()
  }

  #drain(): RecordBatch<R> {
    const batch = RecordBatch.concat(this.#pending)
    this.#pending = []
    this.#pendingRows = 0
    return batch
  }
}

/** Throws a {@link ValidationError} unless `size` is a positive integer. */
export function assertBatchSize(size: number, name = 'batchSize'): void {
  if (!Number.isInteger(size) || size <= 0) {
    throw new ValidationError(`${name} must be a positive integer, got ${size}`, { code: 'INVALID_OPTION' })
  }
}

/** Re-cuts an async stream of batches into batches of exactly `size` rows (the last may be shorter). */
export async function* rebatchStream<R extends Row>(
  source: AsyncIterable<RecordBatch<R>>,
  size: number,
): AsyncGenerator<RecordBatch<R>> {
  const acc = new BatchAccumulator<R>(size)
  for await (const batch of source) yield* acc.push(batch)
  const rest = acc.flush()
  if (rest) yield rest
}
