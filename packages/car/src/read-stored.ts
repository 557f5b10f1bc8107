import {
  BatchAccumulator,
  type ColumnData,
  type Field,
  type ReadContext,
  RecordBatch,
  throwIfAborted,
} from '@sd/core'
import type { CarReader } from './car-reader.js'
import { decodeColumn } from './column-decode.js'
import type { BatchesManifest } from './manifest.js'
import { forEachLimited } from './unixfs-file.js'

/** Blocks fetched and their bytes, over the passes of a loader. */
export interface CarReadStats {
  blocksRead: number
  bytesRead: number
}

/** Column blocks fetched at once. */
const CONCURRENCY = 8

/**
 * The batches of a batch-layout CAR: for each stored batch asked for, the blocks of the columns
 * asked for (only those), each checked, rebuilt into columns and cut to `ctx.batchSize` rows.
 */
export async function* readStoredBatches(
  car: CarReader,
  manifest: BatchesManifest,
  selected: readonly number[],
  fields: readonly Field[],
  ctx: ReadContext,
  stats: CarReadStats,
): AsyncGenerator<RecordBatch> {
  const positions = fields.map((f) => manifest.schema.findIndex((g) => g.name === f.name))
  const acc = new BatchAccumulator(ctx.batchSize)
  const get = async (cid: Parameters<CarReader['get']>[0]) => {
    const bytes = await car.get(cid, ctx.signal)
    stats.blocksRead++
    stats.bytesRead += bytes.length
    ctx.countBytes(bytes.length)
    return bytes
  }
  for (const index of selected) {
    throwIfAborted(ctx.signal)
    const stored = manifest.batches[index]
    if (!stored) continue
    const rows = stored.rowEnd - stored.rowStart
    const columns: ColumnData[] = new Array(fields.length)
    await forEachLimited([...fields.keys()], CONCURRENCY, async (j) => {
      const cid = stored.columns[positions[j] as number]
      columns[j] = await decodeColumn(cid as NonNullable<typeof cid>, fields[j] as Field, rows, get)
    })
    for (const batch of acc.push(RecordBatch.fromData([...fields], columns))) yield batch
  }
  const rest = acc.flush()
  if (rest) yield rest
}
