import type { ReadContext } from '../pass.js'
import type { RecordBatch, Row } from '../record-batch.js'
import type { DataUnit } from './units.js'

/** The rows of `batches` after the first `offset` (what `readUnit` does for a unit read from its start). */
export async function* skipRows<R extends Row>(
  batches: AsyncIterable<RecordBatch<R>> | Iterable<RecordBatch<R>>,
  offset: number,
): AsyncGenerator<RecordBatch<R>> {
  let skip = offset
  for await (const batch of batches) {
    if (skip >= batch.numRows) {
      skip -= batch.numRows
      continue
    }
    yield skip > 0 ? batch.slice(skip) : batch
    skip = 0
  }
}

/** The exact rows of a unit, by reading it (for `countRows` of loaders whose footers do not say). */
export async function countUnitRows<R extends Row>(
  readUnit: (
    unit: DataUnit,
    offset: number,
    ctx: ReadContext,
  ) => AsyncIterable<RecordBatch<R>> | Iterable<RecordBatch<R>>,
  unit: DataUnit,
  batchSize: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const ctx: ReadContext = {
    signal: signal ?? new AbortController().signal,
    batchSize,
    startBatch: 0,
    cache: undefined,
    countBytes: () => undefined,
  }
  let rows = 0
  for await (const batch of readUnit(unit, 0, ctx)) rows += batch.numRows
  return rows
}
