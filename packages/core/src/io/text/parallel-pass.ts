import type { SdError } from '../../errors.js'
import type { RecordCounters } from '../../instruments.js'
import type { RecordBatch } from '../../record-batch.js'
import { leasePool } from '../../workers/shared.js'
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
}

/**
 * The rest of a text file parsed by worker threads range by range ({@link parallelText}), through
 * a pool kept warm between passes that finish (threads and their compiled code cost more than a
 * short pass); a pass that stops early, fails or is aborted closes it. Batches come in file order,
 * equal to one thread's, with errors at the same line, row and byte.
 */
export async function* parallelTextPass<T>(p: ParallelTextPass<T>): AsyncGenerator<RecordBatch> {
  const lease = leasePool<T, RangeItem<TextRangePayload>>({
    module: p.module,
    size: p.workers,
    name: p.name,
    window: WINDOW,
  })
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
