// Ranges of a file of integer lines, parsed as the text loaders parse theirs: for the
// parallelText tests, in a worker (line-range-worker.ts) and in the main thread.
import { threadId } from 'node:worker_threads'
import type { FileRangeReader } from '../io/file-range.js'
import type { ParallelTextOptions, RangeItem, TextRange } from '../io/text/parallel-text.js'
import type { WorkerPool } from '../workers/pool.js'

/** What a range's item carries: the values of its lines, and the thread that parsed them. */
export interface LinePayload {
  values: number[]
  thread: number
}

/** A range task of the tests (`delayMs`: the worker sleeps that long before the range). */
export interface LineTask {
  range: TextRange
  delayMs: number
}

/** The values of the lines that start in `[from, until)` of `bytes` (absolute offsets from `base`). */
export function parseLines(
  bytes: Uint8Array,
  base: number,
  from: number,
  until: number,
): { values: number[]; stop: number; lines: number } {
  const values: number[] = []
  let at = from
  let lines = 0
  while (at < until) {
    const nl = bytes.indexOf(10, at - base)
    if (nl < 0) throw new Error(`no line end after byte ${at}`)
    values.push(Number(Buffer.from(bytes.subarray(at - base, nl)).toString('latin1')))
    at = base + nl + 1
    lines++
  }
  return { values, stop: at, lines }
}

/** A range's items: one item with its values, then its end. */
export function* lineRange(task: LineTask): Generator<RangeItem<LinePayload>> {
  const { range } = task
  if (task.delayMs > 0 && threadId !== 0)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, task.delayMs)
  const { values, stop, lines } = parseLines(range.bytes, range.base, range.start, range.limit)
  yield { type: 'item', payload: { values, thread: threadId } }
  yield { type: 'end', stop, lines, rows: values.length }
}

/**
 * The settings every line-file pass of the tests shares: from the start, 16 KiB ranges with 64
 * bytes of overlap, 4 in flight, records starting after each newline.
 */
export function linePassBase(
  reader: FileRangeReader,
  pool: WorkerPool<LineTask, RangeItem<LinePayload>>,
): Pick<
  ParallelTextOptions<LineTask, LinePayload>,
  'reader' | 'from' | 'signal' | 'pool' | 'rangeBytes' | 'overlap' | 'maxInFlight' | 'recordStart'
> {
  return {
    reader,
    from: { byte: 0, line: 1, row: 0 },
    signal: new AbortController().signal,
    pool,
    rangeBytes: 16 << 10,
    overlap: 64,
    maxInFlight: 4,
    recordStart: (bytes: Uint8Array, base: number, at: number) => {
      const i = bytes.indexOf(10, at - base)
      return i < 0 ? -1 : base + i + 1
    },
  }
}
