import { throwIfAborted } from '../../errors.js'
import type { RecordBatch } from '../../record-batch.js'
import type { PoolTask, WorkerPool } from '../../workers/pool.js'
import { FileRangeReader } from '../file-range.js'
import type { RangeReader } from '../range-reader.js'

/** Where a text parse stands: the absolute byte of a record start, its line, and the next data row. */
export interface TextPosition {
  byte: number
  /** 1-based line of `byte`. */
  line: number
  /** 0-based index of the next data record. */
  row: number
}

/** A range of a text file handed to a worker. */
export interface TextRange {
  /** 0-based index of the range. */
  index: number
  /** Absolute offset of `bytes[0]` (the range's nominal start). */
  base: number
  /** The range's bytes and some beyond its nominal end, so its last record can finish. */
  bytes: Uint8Array
  /** Where the worker starts: the first record start at or after `base` (speculative, but for the first range). */
  start: number
  /** The worker parses the records that start before this (the next range's `start` when known). */
  limit: number
  /** `bytes` reach the end of the source: the worker reads its last record as final. */
  last: boolean
}

/** The last item of a range's stream: where the worker stopped and what it counted. */
export interface RangeEnd {
  type: 'end'
  /** Absolute offset of the first record it did not parse (its `limit` when all went well). */
  stop: number
  /** Line breaks it passed, and data records it counted (read, skipped or failed). */
  lines: number
  rows: number
  /**
   * The range's buffer, handed back (transferred) for the read of a later range: a buffer per
   * range left to the worker's garbage collector was freed late, and memory grew with the file.
   */
  buffer?: ArrayBuffer
}

/** What a worker's range task streams: its items (batches, skipped records, an error), then its end. */
export type RangeItem<P> = { type: 'item'; payload: P } | RangeEnd

/** Options of {@link parallelText}. */
export interface ParallelTextOptions<T, P> {
  reader: RangeReader
  /** Where parsing starts: a record start already known to be one, with its line and row. */
  from: TextPosition
  signal: AbortSignal
  pool: WorkerPool<T, RangeItem<P>>
  /** Nominal bytes per range. */
  rangeBytes: number
  /** Bytes read past a range's end so that its last record can finish there. */
  overlap: number
  /** Ranges in flight (read, parsing, or waiting for the consumer). */
  maxInFlight: number
  /** The first record start at or after absolute `at` in `bytes` (whose first byte is at `base`), or -1. */
  recordStart(bytes: Uint8Array, base: number, at: number): number
  /** The worker task of a range. */
  task(range: TextRange): PoolTask<T>
  /**
   * Parses in this thread from `at` until a record starts at or after `until` (or the source
   * ends): yields its batches (the last one cut there), returns where it stopped.
   */
  serial(at: TextPosition, until: number): AsyncGenerator<RecordBatch, TextPosition>
  /** The batches of a worker's item from a range whose start was right, given where it started. */
  accept(payload: P, at: TextPosition): RecordBatch[]
}

interface Planned {
  range: TextRange
  /** Sent to a worker (false: no record starts in it; this thread parses it). */
  dispatched: boolean
}

/**
 * Parses a text source in parallel by byte ranges, with results identical to one pass in one
 * thread. The source from `from` is cut into ranges of about `rangeBytes`; each worker starts at
 * the first record start after its range's nominal start (for CSV a guess: a line break inside a
 * quoted field looks like one) and parses the records that start before the next range's start,
 * reading past its end as needed. Ranges are taken in order: a range is accepted when the parse
 * so far stopped exactly at its start, which proves the guess right; otherwise its results are
 * dropped and this thread parses from where the parse stands (`serial`) until it meets a later
 * range's start, where workers take over again. Batches come out in file order; a worker's error
 * surfaces only from an accepted range, after the batches before it.
 */
export async function* parallelText<T, P>(
  options: ParallelTextOptions<T, P>,
): AsyncGenerator<RecordBatch, TextPosition> {
  const { reader, signal } = options
  const to = reader.byteLength
  const fifo: Planned[] = []
  const file = reader instanceof FileRangeReader ? reader : undefined
  /** Buffers the workers handed back, for the next ranges' reads (at most one per range in flight, and one). */
  const spare: ArrayBuffer[] = []
  const bufferBytes = options.rangeBytes + options.overlap
  async function* plan(): AsyncGenerator<PoolTask<T>> {
    let index = 0
    for (let s = options.from.byte; s < to; index++) {
      throwIfAborted(signal)
      const e = Math.min(to, s + options.rangeBytes)
      const readEnd = Math.min(to, e + options.overlap)
      const buffer = spare.pop()
      let bytes: Uint8Array
      if (buffer && file) bytes = await file.readInto(new Uint8Array(buffer, 0, readEnd - s), s, signal)
      else {
        bytes = await reader.read(s, readEnd, signal)
        // a reader may keep what it returned (a cache): workers get their own copy then
        if (buffer) {
          const own = new Uint8Array(buffer, 0, bytes.length)
          own.set(bytes)
          bytes = own
        } else if (!file || bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength)
          bytes = bytes.slice()
      }
      const start = index === 0 ? s : options.recordStart(bytes, s, s)
      const last = readEnd >= to
      const next = e < to ? options.recordStart(bytes, s, e) : -1
      const limit = e >= to ? to : next >= 0 ? next : readEnd
      const range: TextRange = { index, base: s, bytes, start, limit, last }
      const dispatched = start >= 0 && start < limit
      fifo.push({ range, dispatched })
      if (dispatched) yield options.task(range)
      s = e
    }
  }
  let at = options.from
  let current: Planned | undefined
  let accepting = false
  const items = options.pool.map(plan(), { maxInFlight: options.maxInFlight, signal })
  try {
    for await (const item of items) {
      if (current === undefined) {
        // the first item of the next dispatched range (ranges without a task are parsed below)
        for (let next = fifo.shift(); next !== undefined; next = fifo.shift()) {
          if (next.dispatched) {
            current = next
            break
          }
        }
        if (current === undefined) break
        if (at.byte < current.range.start) at = yield* options.serial(at, current.range.start)
        accepting = at.byte === current.range.start
      }
      if (item.type === 'end') {
        const buffer = item.buffer
        if (buffer && buffer.byteLength >= bufferBytes && spare.length <= options.maxInFlight)
          spare.push(buffer)
        if (accepting) at = { byte: item.stop, line: at.line + item.lines, row: at.row + item.rows }
        current = undefined
        continue
      }
      if (accepting) for (const batch of options.accept(item.payload, at)) yield batch
    }
  } finally {
    await items.return(undefined)
  }
  if (at.byte < to) at = yield* options.serial(at, Number.POSITIVE_INFINITY)
  return at
}
