/**
 * One rank of the cluster benchmark, in its own process: loads its share of the Parquet objects
 * under an S3 prefix once the parent writes `go` on stdin (so process start and module loading
 * are not timed), touches every value, and prints `{ rows, start, end, sink }` (times in ms since
 * the epoch, comparable across processes).
 */
import { createInterface } from 'node:readline'
import type { RecordBatch } from '@sd/core'
import { loadParquet } from '@sd/parquet'

interface RankArgs {
  prefix: string
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string }
  rank: number
  worldSize: number
  batchSize: number
  bufferSize: number | undefined
}

const args = JSON.parse(process.argv[2] ?? '{}') as RankArgs

/** One pass over every value of every column. */
function consume(batch: RecordBatch): number {
  const id = batch.column('id') as Int32Array
  const value = batch.column('value') as Float64Array
  const label = batch.data('label')
  const strings = label.kind === 'dictionary' ? label.dictionary : label.kind === 'utf8' ? label : undefined
  const indices = label.kind === 'dictionary' ? label.indices : undefined
  const flag = batch.column('flag') as Uint8Array
  const score = batch.column('score') as Float64Array
  let acc = 0
  for (let i = 0; i < batch.numRows; i++) {
    // a label's length from its offsets (through the dictionary when there is one), not a JS string per row
    const k = indices === undefined ? i : (indices[i] as number)
    const len =
      strings === undefined ? 0 : (strings.offsets[k + 1] as number) - (strings.offsets[k] as number)
    acc += (id[i] as number) + (value[i] as number) + (score[i] as number) + (flag[i] as number) + len
  }
  return acc
}

let ds = loadParquet(args.prefix, { s3: args.s3, batchSize: args.batchSize, cacheEnabled: false }).shard({
  rank: args.rank,
  worldSize: args.worldSize,
})
if (args.bufferSize !== undefined) ds = ds.shuffle({ seed: 1, bufferSize: args.bufferSize })

process.stdout.write('ready\n')
const lines = createInterface({ input: process.stdin })
await new Promise<void>((resolve) => lines.once('line', () => resolve()))
lines.close()
const start = performance.timeOrigin + performance.now()
const cpuStart = process.cpuUsage()
let rows = 0
let sink = 0
for await (const batch of ds) {
  rows += batch.numRows
  sink += consume(batch)
}
const end = performance.timeOrigin + performance.now()
const used = process.cpuUsage(cpuStart)
const cpuMs = (used.user + used.system) / 1000
process.stdout.write(`${JSON.stringify({ rows, start, end, sink, cpuMs })}\n`)
