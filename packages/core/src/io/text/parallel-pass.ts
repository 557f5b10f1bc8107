import type { SdError } from '../../errors.js'
import type { RecordCounters } from '../../instruments.js'
import type { RecordBatch } from '../../record-batch.js'
import { leasePool, type PoolLease } from '../../workers/shared.js'
import type { RangeReader } from '../range-reader.js'
import { parallelText, type RangeItem, type TextPosition, type TextRange } from './parallel-text.js'
import { acceptRangePayload, type TextRangePayload } from './range-items.js'

/** Bytes read past a range's end so that its last record can finish there. */
const OVERLAP = 256 << 10
/** Batches a worker may send ahead of the consumer: a whole range's, so no worker waits on another. */
const WINDOW = 64

/** What {@link parallelTextPass} needs: the worker module, the source, and the format's parts. */
export interface ParallelTextPass<T> {
  /** The worker module that parses a range (`serveWorker` of `RangeItems`). */
  module: URL
  workers: number
  /** Names the threads (`'CSV parse'`). */
  name: string
  reader: RangeReader
  /** Where parsing starts: a record start already known to be one. */
  from: TextPosition
  signal: AbortSignal
  /** Nominal bytes per range. */
  rangeBytes: number
  /** The first record start at or after absolute `at` in `bytes` (whose first byte is at `base`), or -1. */
  recordStart(bytes: Uint8Array, base: number, at: number): number
  /** The task of a range for a worker (the range's bytes are transferred with it). */
  task(range: TextRange): T
  /** The worker's parse of a task, run in this thread on a range it parses ahead (see `parallelText`). */
  local?(task: T, range: TextRange): Iterable<RangeItem<TextRangePayload>>
  /** Parses in this thread from `at` until a record starts at or after `until` (see `parallelText`). */
  serial(at: TextPosition, until: number): AsyncGenerator<RecordBatch, TextPosition>
  /** The pass's counters, which accepted ranges add to. */
  counters: RecordCounters
  /** Reports a skipped record (the bad-record policy `'skip'`). */
  onSkip: ((error: SdError) => void) | undefined
  /** Counts bytes handed to workers, for the pass's statistics. */
  onBytes(bytes: number): void
  /** A lease of the pass's pool taken ahead ({@link startTextPool}): given back once the pass holds its own. */
  started?: PoolLease<T, RangeItem<TextRangePayload>> | undefined
}

function textPoolOptions(module: URL, workers: number, name: string) {
  return { module, size: workers, name, window: WINDOW }
}

/**
 * Leases the pool of a parallel text pass and starts its threads now, so that they load while
 * this thread reads the first batch (the pass then finds them running). Pass the lease to
 * {@link parallelTextPass} as `started`; when the pass does not happen, release it `'stopped'`.
 */
export function startTextPool<T>(
  module: URL,
  workers: number,
  name: string,
): PoolLease<T, RangeItem<TextRangePayload>> {
  const lease = leasePool<T, RangeItem<TextRangePayload>>(textPoolOptions(module, workers, name))
  lease.pool.start()
  return lease
}

/**
 * The rest of a text file parsed by worker threads range by range ({@link parallelText}), through
 * a pool kept warm between passes that finish (threads and their compiled code cost more than a
 * short pass); a pass that stops early, fails or is aborted closes it. Batches come in file order,
 * equal to one thread's, with errors at the same line, row and byte.
 */
export async function* parallelTextPass<T>(p: ParallelTextPass<T>): AsyncGenerator<RecordBatch> {
  const lease = leasePool<T, RangeItem<TextRangePayload>>(textPoolOptions(p.module, p.workers, p.name))
  await p.started?.release('done')
  let outcome: 'done' | 'stopped' = 'stopped'
  try {
    yield* parallelText<T, TextRangePayload>({
      reader: p.reader,
      from: p.from,
      signal: p.signal,
      pool: lease.pool,
      rangeBytes: p.rangeBytes,
      overlap: OVERLAP,
      maxInFlight: p.workers * 2,
      recordStart: p.recordStart,
      onRange: (range) => p.onBytes(Math.min(range.bytes.length, p.rangeBytes)),
      task: (range) => ({
        task: p.task(range),
        transfer: [range.bytes.buffer as ArrayBuffer],
        what: `parsing bytes ${range.start} to ${range.limit} of ${p.reader.name}`,
      }),
      serial: p.serial,
      ...(p.local ? { local: p.local } : {}),
      accept: (payload, at) => acceptRangePayload(payload, at, p.counters, p.onSkip),
    })
    outcome = 'done'
  } finally {
    await lease.release(outcome)
  }
}
