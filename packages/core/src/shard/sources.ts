import type { ReadBatches, ReadContext } from '../pass.js'
import { RecordBatch, type Row } from '../record-batch.js'
import type { DataUnit, UnitPassSource } from './units.js'

/** Runs a read function with some source's read-ahead and statistics. */
export type PassRunner<R extends Row> = (
  read: ReadBatches<R>,
  signal: AbortSignal | undefined,
) => AsyncIterable<RecordBatch<R>>

/**
 * Units over an array of rows (slices of `batchSize` rows) or of batches (one unit each): random
 * access, so unit order can be shuffled.
 */
export function arrayUnitSource<R extends Row>(
  items: readonly (R | RecordBatch<R>)[],
  batchSize: number,
  pass: PassRunner<R>,
): UnitPassSource<R> | undefined {
  const batches = items.every((item) => RecordBatch.isRecordBatch(item))
  if (!batches && items.some((item) => RecordBatch.isRecordBatch(item))) return undefined
  const units: DataUnit[] = []
  if (batches) {
    for (const [i, item] of items.entries())
      units.push({ id: `batch-${i}`, rows: (item as RecordBatch<R>).numRows })
  } else {
    for (let start = 0; start < items.length; start += batchSize)
      units.push({ id: `rows-${start}`, rows: Math.min(batchSize, items.length - start) })
  }
  return {
    batchSize,
    pass,
    listUnits: async () => units,
    *readUnit(unit: DataUnit, offset: number) {
      const index = units.indexOf(unit) >= 0 ? units.indexOf(unit) : units.findIndex((u) => u.id === unit.id)
      if (batches) {
        const batch = items[index] as RecordBatch<R>
        if (offset < batch.numRows) yield offset === 0 ? batch : batch.slice(offset)
        return
      }
      const start = index * batchSize + offset
      const end = Math.min(items.length, (index + 1) * batchSize)
      if (start < end) yield RecordBatch.fromRows((items as R[]).slice(start, end))
    },
  }
}

/**
 * Units over any re-iterable stream of batches: each batch of a pass is a unit. Listing reads the
 * stream once to count its batches; units are then read in ascending order from one open pass
 * (an earlier unit reopens the stream), so a sharded pass reads the stream once more, and the
 * unit order is never shuffled (rows still are, in the buffer).
 */
export function sequentialUnitSource<R extends Row>(
  open: (signal: AbortSignal | undefined) => AsyncIterable<RecordBatch<R>>,
  batchSize: number,
): UnitPassSource<R> {
  let reader: { it: AsyncIterator<RecordBatch<R>>; next: number; signal: AbortSignal } | undefined
  const close = async () => {
    const r = reader
    reader = undefined
    await r?.it.return?.()
  }
  return {
    batchSize,
    sequential: true,
    async listUnits(signal) {
      const units: DataUnit[] = []
      for await (const batch of open(signal)) units.push({ id: `batch-${units.length}`, rows: batch.numRows })
      return units
    },
    async *readUnit(unit: DataUnit, offset: number, ctx: ReadContext) {
      const index = Number(unit.id.slice('batch-'.length))
      if (reader === undefined || reader.next > index || reader.signal !== ctx.signal) {
        await close()
        reader = { it: open(ctx.signal)[Symbol.asyncIterator](), next: 0, signal: ctx.signal }
      }
      const r = reader
      while (r.next <= index) {
        const result = await r.it.next()
        if (result.done) {
          await close()
          return
        }
        r.next++
        if (r.next - 1 === index) {
          const batch = result.value
          if (offset < batch.numRows) yield offset === 0 ? batch : batch.slice(offset)
        }
      }
    },
    pass(read, signal) {
      return {
        async *[Symbol.asyncIterator]() {
          const controller = new AbortController()
          const onAbort = () => controller.abort(signal?.reason)
          signal?.addEventListener('abort', onAbort, { once: true })
          const ctx: ReadContext = {
            signal: controller.signal,
            batchSize,
            startBatch: 0,
            cache: undefined,
            countBytes: () => undefined,
          }
          try {
            yield* read(ctx)
          } finally {
            signal?.removeEventListener('abort', onAbort)
            controller.abort()
            await close()
          }
        },
      }
    },
  }
}
