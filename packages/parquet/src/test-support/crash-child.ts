// Run in a child process with a small V8 heap (`--max-old-space-size`, which worker threads
// inherit): reads the Parquet file named by argv[2] with decode workers, and prints as JSON the
// error the pass ends with and the worker threads still alive once it has.
import { isSdError, WorkerPool } from '@sd/core'
import { loadParquet } from '../load.js'

const path = process.argv[2] as string
const batches: number[] = []
let error: unknown
try {
  for await (const batch of loadParquet(path, { workers: 2, batchSize: Number(process.argv[3]) }))
    batches.push(batch.numRows)
} catch (err) {
  error = err
}
console.log(
  JSON.stringify({
    batches,
    name: error instanceof Error ? error.name : undefined,
    code: isSdError(error) ? error.code : undefined,
    location: isSdError(error) ? error.location : undefined,
    message: error instanceof Error ? error.message : String(error),
    liveThreads: WorkerPool.liveThreads,
  }),
)
