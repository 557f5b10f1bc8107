// A worker for the pool tests: squares numbers, streams counters, fails and crashes on request.
import { resourceLimits } from 'node:worker_threads'
import { FormatError, serveWorker } from '../index.js'

export type PoolTestTask =
  | { kind: 'square'; n: number; delayMs?: number }
  | { kind: 'count'; n: number }
  | { kind: 'stamps'; n: number }
  | { kind: 'limits' }
  | { kind: 'fail' }
  | { kind: 'crash' }
  | { kind: 'exit' }
  | { kind: 'sum'; values: Float64Array }
  | { kind: 'sleep'; ms: number }

export type PoolTestResult = { values: Float64Array; produced: number }

let produced = 0

serveWorker<PoolTestTask, PoolTestResult>({
  async *stream(task, ctx) {
    switch (task.kind) {
      case 'square': {
        if (task.delayMs) await new Promise((r) => setTimeout(r, task.delayMs))
        yield { values: Float64Array.from({ length: task.n }, (_, i) => i * i), produced: ++produced }
        return
      }
      case 'count':
        for (let i = 0; i < task.n; i++) yield { values: Float64Array.of(i), produced: ++produced }
        return
      case 'stamps':
        // each result says when it was made (Date.now() is one clock across threads)
        for (let i = 0; i < task.n; i++)
          yield { values: Float64Array.of(i, Date.now()), produced: ++produced }
        return
      case 'limits':
        yield {
          values: Float64Array.of(
            resourceLimits.maxYoungGenerationSizeMb ?? -1,
            resourceLimits.maxOldGenerationSizeMb ?? -1,
          ),
          produced: ++produced,
        }
        return
      case 'fail':
        throw new FormatError('bad bytes', { code: 'TEST_BAD', location: { file: 'x.bin', byte: 7 } })
      case 'crash':
        // late enough for the tasks before it to finish
        setTimeout(() => {
          throw new Error('boom')
        }, 200)
        await new Promise((r) => setTimeout(r, 1000))
        return
      case 'exit':
        await new Promise((r) => setTimeout(r, 200))
        process.exit(3)
        return
      case 'sum': {
        let s = 0
        for (const v of task.values) s += v
        yield { values: Float64Array.of(s, task.values.byteLength), produced: ++produced }
        return
      }
      case 'sleep':
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, task.ms)
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t)
            resolve()
          })
        })
        yield { values: Float64Array.of(task.ms), produced: ++produced }
    }
  },
  transfer: (r) => [r.values.buffer as ArrayBuffer],
})
