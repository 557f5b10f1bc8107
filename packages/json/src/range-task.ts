import {
  type ErrorLocation,
  type RangeItem,
  RangeItems,
  type TextRange,
  type TextRangePayload,
} from '@sd/core/text-worker'
import { ColumnBuilder } from './column-builder.js'
import type { ColumnPlan } from './infer-schema.js'
import { NdjsonReader } from './ndjson-reader.js'
import type { ResolvedJsonOptions } from './options.js'

/** What a worker needs to parse a range of an NDJSON file: the range and the pass's columns. */
export interface NdjsonRangeTask {
  range: TextRange
  at: ErrorLocation
  /** The options (without `onSkip`, which stays in the main thread). */
  options: Omit<ResolvedJsonOptions, 'onSkip'>
  batchSize: number
  maxBatchBytes: number
  plans: ColumnPlan[]
}

/** Bytes fed to the reader at a time, so batches stream out while the range is parsed. */
const SLICE = 256 << 10

/** A reader and a column builder for NDJSON lines from `start`, with columns already decided. */
export function ndjsonParser(
  at: ErrorLocation,
  options: Omit<ResolvedJsonOptions, 'onSkip'> & { onSkip?: ResolvedJsonOptions['onSkip'] },
  start: { byte: number; line: number },
  builder: { batchSize: number; maxBatchBytes: number; plans: ColumnPlan[] },
  counters: RangeItems['counters'],
  onSkip: ResolvedJsonOptions['onSkip'],
): { reader: NdjsonReader; builder: ColumnBuilder } {
  const reader = new NdjsonReader({
    at,
    onBadRecord: options.onBadRecord,
    maxRecordBytes: options.maxRecordBytes,
    counters,
    start,
  })
  const columns = new ColumnBuilder({
    batchSize: builder.batchSize,
    maxBatchBytes: builder.maxBatchBytes,
    columns: options.columns,
    columnTypes: options.columnTypes,
    int64: options.int64,
    onBadValue: options.onBadValue,
    onSkip,
    counters,
    locate: (line) => reader.locate(line),
    plans: builder.plans,
  })
  return { reader, builder: columns }
}

/**
 * Parses a range (in a worker): the lines from `range.start` (line 1: the main thread shifts it)
 * up to `range.limit`, a line start, with the columns the main thread decided. Errors are items,
 * not throws: they count only if the main thread accepts the range.
 */
export function* parseNdjsonRange(task: NdjsonRangeTask): Generator<RangeItem<TextRangePayload>> {
  const { range } = task
  const items = new RangeItems()
  const { reader, builder } = ndjsonParser(
    task.at,
    task.options,
    { byte: range.start, line: 1 },
    task,
    items.counters,
    items.skip,
  )
  const end = Math.min(range.limit, range.base + range.bytes.length)
  const bytes = Buffer.from(
    range.bytes.buffer,
    range.bytes.byteOffset + range.start - range.base,
    end - range.start,
  )
  let error: unknown
  try {
    for (let i = 0; i < bytes.length; i += SLICE) {
      reader.push(bytes.subarray(i, i + SLICE))
      while (reader.fill(builder)) yield items.batch(builder.take()) as RangeItem<TextRangePayload>
    }
    // the file's last line may lack its newline; elsewhere an unfinished line is the next range's
    if (range.last && end === range.base + range.bytes.length) {
      reader.end()
      while (reader.fill(builder)) yield items.batch(builder.take()) as RangeItem<TextRangePayload>
    }
  } catch (err) {
    error = err
  }
  const last = items.batch(builder.take())
  if (last) yield last
  const finish = items.finish(error)
  if (finish) yield finish
  yield { type: 'end', stop: reader.position, lines: reader.line - 1, rows: 0 }
}
