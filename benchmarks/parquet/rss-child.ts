/**
 * Memory of one read in a fresh process; prints `{ peakRssMb, seconds, records, ... }`:
 *
 *   rss-child.ts read <file> <workers> <batchSize> [times]
 *                                                    a whole pass, cache off: peak RSS, and the RSS
 *                                                    before the read (Node, tsx, the modules); with
 *                                                    `times`, one pass over the file listed that often
 *   rss-child.ts batch <file>                         one decoded batch of the whole file held: RSS
 *                                                      above the baseline, after a full GC
 */
import { memoryUsage } from 'node:process'
import { closeParquetWorkers, loadParquet } from '@sd/parquet'
import { peakRssMb } from '../lib/rss.ts'

const [mode, file, workersArg, batchArg, timesArg] = process.argv.slice(2)
if (!mode || !file) throw new Error('usage: rss-child.ts read|batch <file> [workers] [batchSize]')
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined)
const mib = (bytes: number) => bytes / 1024 / 1024

// load the modules and warm up on a first batch, so the baseline holds everything but the data
for await (const batch of loadParquet(file, { batchSize: 1000, cacheEnabled: false, workers: 0 })) {
  if (batch.numRows > 0) break
}
gc()
const baselineMb = mib(memoryUsage().rss)
const start = performance.now()
if (mode === 'read') {
  const workers = workersArg === 'auto' ? 'auto' : Number(workersArg ?? 0)
  let records = 0
  const files = Array.from({ length: Number(timesArg ?? 1) }, () => file)
  for await (const batch of loadParquet(files, {
    batchSize: Number(batchArg ?? 10_000),
    workers,
    cacheEnabled: false,
  }))
    records += batch.numRows
  const seconds = (performance.now() - start) / 1000
  await closeParquetWorkers()
  console.log(JSON.stringify({ peakRssMb: peakRssMb(), baselineMb, seconds, records }))
} else if (mode === 'batch') {
  const batch = await loadParquet(file, { batchSize: 1 << 30, cacheEnabled: false, workers: 0 }).collect()
  const seconds = (performance.now() - start) / 1000
  gc()
  const heldMb = mib(memoryUsage().rss) - baselineMb
  console.log(
    JSON.stringify({
      peakRssMb: peakRssMb(),
      baselineMb,
      heldMb,
      byteSizeMb: mib(batch.byteSize),
      seconds,
      records: batch.numRows,
    }),
  )
} else throw new Error(`unknown mode ${mode}`)
