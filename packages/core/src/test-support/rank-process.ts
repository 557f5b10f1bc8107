/**
 * One rank of a sharded pass, as its own process (run by the multi-process tests, bundled, or with
 * `node --import tsx`): reads its share of a folder of int32 files, appends every id it receives to
 * `out` (int32), and after each batch prints `{"rows", "batches", "state"}` as a JSON line. With
 * `pauseAfter` it stops after that many batches and waits to be killed.
 */
import { appendFileSync, readFileSync } from 'node:fs'
import type { ShardOptions, ShuffleOptions } from '../shard/planned.js'
import type { DatasetState } from '../shard/state.js'
import { IntFilesLoader } from './int-files.js'

interface RankArgs {
  dir: string
  out: string
  unitRows: number
  batchSize: number
  shard: ShardOptions
  shuffle?: ShuffleOptions
  epoch?: number
  /** A JSON file holding the state (or states) to resume from. */
  resume?: string
  pauseAfter?: number
}

const args = JSON.parse(process.argv[2] ?? '{}') as RankArgs
let ds = new IntFilesLoader(args.dir, { batchSize: args.batchSize, unitRows: args.unitRows })
  .toDataset()
  .shard(args.shard)
if (args.shuffle) ds = ds.shuffle(args.shuffle)
if (args.epoch !== undefined) ds.setEpoch(args.epoch)
if (args.resume) ds.resume(JSON.parse(readFileSync(args.resume, 'utf8')) as DatasetState | DatasetState[])
let batches = 0
for await (const batch of ds) {
  const ids = batch.column('id') as Int32Array
  appendFileSync(args.out, new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength))
  batches++
  process.stdout.write(`${JSON.stringify({ rows: ids.length, batches, state: ds.state() })}\n`)
  // hold still (a timer keeps the process alive) until the test kills it
  if (batches === args.pauseAfter) await new Promise(() => setInterval(() => undefined, 60_000))
}
process.stdout.write(`${JSON.stringify({ done: true, batches, state: ds.state() })}\n`)
