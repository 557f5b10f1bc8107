import {
  type ErrorLocation,
  parallelTextPass,
  type RangeReader,
  type RecordBatch,
  type RecordCounters,
  readRange,
  SdError,
  type TextPosition,
  workerModule,
} from '@sd/core'
import type { CsvDecoder } from './decoder.js'
import { FastCsvEngine } from './fast-engine.js'
import type { ResolvedCsvOptions } from './options.js'
import { type CsvRangeTask, parseCsvRange } from './range-task.js'
import { CR, LF, RD_CR, RD_CRLF } from './scanner.js'

/** Nominal bytes of the ranges workers parse. */
export const RANGE_BYTES = 4 << 20

/** What {@link parallelCsv} needs from the pass that read the header and the first batch. */
export interface ParallelCsv {
  reader: RangeReader
  at: ErrorLocation
  options: ResolvedCsvOptions
  /** The pass's decoder, in its typed stage; it parses whatever this thread parses. */
  decoder: CsvDecoder
  /** Where the first batch's parse stopped. */
  from: TextPosition
  rd: number
  batchSize: number
  maxBatchBytes: number
  counters: RecordCounters
  signal: AbortSignal
  onBytes: (bytes: number) => void
}

/**
 * The rest of a CSV file parsed by `options.workers` worker threads, range by range
 * ({@link parallelTextPass}): batches in file order, equal to one thread's, with errors at the same
 * line, row and byte. The workers stop when the pass ends, however it ends.
 */
export async function* parallelCsv(p: ParallelCsv): AsyncGenerator<RecordBatch> {
  const { decoder, options, rd } = p
  const layout = decoder.layout
  if (!layout)
    throw new SdError('The layout must be decided before the parallel parse', { code: 'SOURCE_ERROR' })
  const { onSkip: _onSkip, ...workerOptions } = options
  // bytes per record so far (the header counted in): how many records a range holds, about
  const recordBytes = Math.max(1, p.from.byte / Math.max(1, p.from.row))
  yield* parallelTextPass<CsvRangeTask>({
    module: workerModule(import.meta.url, 'parse-worker'),
    workers: options.workers,
    name: 'CSV parse',
    reader: p.reader,
    from: p.from,
    signal: p.signal,
    rangeBytes: RANGE_BYTES,
    recordStart: (bytes, base, at) => recordStart(bytes, base, at, rd),
    task: (range) => ({
      range,
      at: p.at,
      options: workerOptions,
      batchSize: p.batchSize,
      maxBatchBytes: p.maxBatchBytes,
      layout,
      width: decoder.width,
      decidedBy: decoder.decidedBy,
      rd,
      rowsHint: Math.min(p.batchSize, Math.ceil(((range.limit - range.start) / recordBytes) * 1.1)),
    }),
    local: (task, range) => parseCsvRange({ ...task, range }),
    serial: (at, until) => serial(p, at, until),
    counters: p.counters,
    onSkip: options.onSkip,
    onBytes: p.onBytes,
  })
}

/** This thread parses from `at` until a record starts at or after `until`, or the file ends. */
async function* serial(
  p: ParallelCsv,
  at: TextPosition,
  until: number,
): AsyncGenerator<RecordBatch, TextPosition> {
  const { decoder } = p
  decoder.nextRow = at.row
  const engine = new FastCsvEngine(decoder, p.options, {
    offset: at.byte,
    line: at.line,
    rd: p.rd,
    limit: until,
  })
  let failure: { error: unknown } | undefined
  for await (const chunk of readRange(p.reader, at.byte, p.reader.byteLength, {
    chunkBytes: p.options.chunkBytes,
    signal: p.signal,
  })) {
    try {
      engine.write(chunk)
    } catch (error) {
      failure = { error }
      decoder.flushRead()
    }
    yield* decoder.takeBatches()
    if (failure) throw failure.error
    if (engine.atLimit) break
  }
  try {
    engine.end()
  } catch (error) {
    failure = { error }
    decoder.flushRead()
  }
  yield* decoder.takeBatches()
  if (failure) throw failure.error
  return { byte: engine.position, line: engine.scanner.line, row: decoder.nextRow }
}

/**
 * The first record start at or after absolute `at` in `bytes` (byte 0 at `base`): just past the
 * first record delimiter that begins there, or -1 when there is none.
 */
export function recordStart(bytes: Uint8Array, base: number, at: number, rd: number): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let from = at - base
  if (rd !== RD_CRLF) {
    const i = buf.indexOf(rd === RD_CR ? CR : LF, from)
    return i < 0 ? -1 : base + i + 1
  }
  for (;;) {
    const i = buf.indexOf(CR, from)
    if (i < 0 || i + 1 >= buf.length) return -1
    if (buf[i + 1] === LF) return base + i + 2
    from = i + 1
  }
}
