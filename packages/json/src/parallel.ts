import {
  type ErrorLocation,
  type PoolLease,
  parallelTextPass,
  type RangeItem,
  type RangeReader,
  type RecordBatch,
  type RecordCounters,
  readRange,
  startTextPool,
  type TextPosition,
  type TextRangePayload,
  workerModule,
} from '@sd/core'
import type { ColumnPlan } from './infer-schema.js'
import type { ResolvedJsonOptions } from './options.js'
import { type NdjsonRangeTask, ndjsonParser, parseNdjsonRange } from './range-task.js'

/** Nominal bytes of the ranges workers parse. */
export const RANGE_BYTES = 4 << 20

const MODULE = workerModule(import.meta.url, 'parse-worker')
const NAME = 'NDJSON parse'

/** The pool of a parallel pass, started ahead of it (see `startTextPool`). */
export type NdjsonPoolLease = PoolLease<NdjsonRangeTask, RangeItem<TextRangePayload>>

/** Starts `workers` NDJSON parse threads while this thread reads the first batch. */
export function startNdjsonWorkers(workers: number): NdjsonPoolLease {
  return startTextPool<NdjsonRangeTask>(MODULE, workers, NAME)
}

/** What {@link parallelNdjson} needs from the pass that read the first batch. */
export interface ParallelNdjson {
  reader: RangeReader
  at: ErrorLocation
  options: ResolvedJsonOptions
  plans: ColumnPlan[]
  /** Where the first batch's lines end. */
  from: TextPosition
  batchSize: number
  maxBatchBytes: number
  counters: RecordCounters
  signal: AbortSignal
  onBytes: (bytes: number) => void
  /** The pool, started while the first batch was read. */
  started?: NdjsonPoolLease | undefined
}

/**
 * The rest of an NDJSON file parsed by `options.workers` worker threads, range by range
 * ({@link parallelTextPass}; line starts are never a guess in NDJSON): batches in file order, with
 * errors at the same line and byte as one thread's. The workers stop when the pass stops early,
 * fails or is aborted, and stay warm a little after a pass that finished.
 */
export async function* parallelNdjson(p: ParallelNdjson): AsyncGenerator<RecordBatch> {
  const { options } = p
  const { onSkip: _onSkip, ...workerOptions } = options
  yield* parallelTextPass<NdjsonRangeTask>({
    module: MODULE,
    workers: options.workers,
    name: NAME,
    started: p.started,
    reader: p.reader,
    from: p.from,
    signal: p.signal,
    rangeBytes: RANGE_BYTES,
    recordStart: lineStart,
    task: (range) => ({
      range,
      at: p.at,
      options: workerOptions,
      batchSize: p.batchSize,
      maxBatchBytes: p.maxBatchBytes,
      plans: p.plans,
    }),
    local: (task, range) => parseNdjsonRange({ ...task, range }),
    serial: (at, until) => serial(p, at, until),
    counters: p.counters,
    onSkip: options.onSkip,
    onBytes: p.onBytes,
  })
}

/** This thread parses the lines from `at` up to `until` (a line start), or to the end of the file. */
async function* serial(
  p: ParallelNdjson,
  at: TextPosition,
  until: number,
): AsyncGenerator<RecordBatch, TextPosition> {
  const to = Math.min(until, p.reader.byteLength)
  const { reader, builder } = ndjsonParser(
    p.at,
    p.options,
    { byte: at.byte, line: at.line },
    { batchSize: p.batchSize, maxBatchBytes: p.maxBatchBytes, plans: p.plans },
    p.counters,
    p.options.onSkip,
  )
  try {
    for await (const chunk of readRange(p.reader, at.byte, to, {
      chunkBytes: p.options.chunkBytes,
      signal: p.signal,
    })) {
      reader.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      while (reader.fill(builder)) yield builder.take() as RecordBatch
    }
    if (to === p.reader.byteLength) {
      reader.end()
      while (reader.fill(builder)) yield builder.take() as RecordBatch
    }
  } catch (err) {
    const partial = builder.take()
    if (partial) yield partial
    throw err
  }
  const last = builder.take()
  if (last) yield last
  return { byte: reader.position, line: reader.line, row: at.row }
}

/** The first line start at or after absolute `at` in `bytes` (byte 0 at `base`), or -1. */
function lineStart(bytes: Uint8Array, base: number, at: number): number {
  const i = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(10, at - base)
  return i < 0 ? -1 : base + i + 1
}
