import {
  type ErrorLocation,
  type RangeItem,
  RangeItems,
  type TextRange,
  type TextRangePayload,
} from '@sd/core'
import type { CsvColumns } from './columns.js'
import { CsvDecoder } from './decoder.js'
import { FastCsvEngine } from './fast-engine.js'
import type { CsvLayout } from './layout.js'
import type { ResolvedCsvOptions } from './options.js'

/** What a worker needs to parse a range of a CSV file: the range, and the pass's decisions. */
export interface CsvRangeTask {
  range: TextRange
  at: ErrorLocation
  /** The options (without `onSkip`, which stays in the main thread). */
  options: Omit<ResolvedCsvOptions, 'onSkip'>
  batchSize: number
  maxBatchBytes: number
  layout: CsvLayout
  width: number
  decidedBy: string
  /** The record delimiter the main thread found. */
  rd: number
  /** About how many records the range holds (at most a batch): its first batch is made that big. */
  rowsHint: number
}

/** Bytes fed to the engine at a time, so batches stream out while the range is parsed. */
const SLICE = 256 << 10

/**
 * Parses a range (in a worker): from `range.start` (line 1, row 0: the main thread shifts them),
 * the records that start before `range.limit`, with the layout decided by the main thread.
 * Errors are items, not throws: they count only if the main thread accepts the range.
 */
export function* parseCsvRange(task: CsvRangeTask): Generator<RangeItem<TextRangePayload>> {
  const { range } = task
  const items = new RangeItems()
  const options = { ...task.options, onSkip: undefined } as ResolvedCsvOptions
  const decoder = new CsvDecoder({
    at: task.at,
    options,
    batchSize: task.batchSize,
    maxBatchBytes: task.maxBatchBytes,
    layout: undefined,
    counters: items.counters,
    onSkip: items.skip,
  })
  decoder.startTyped(task.layout, task.width, task.decidedBy)
  // a builder per range: sized for the range's rows rather than grown to them by doubling
  ;(decoder.columns as CsvColumns).expectRows(task.rowsHint)
  const engine = new FastCsvEngine(decoder, options, {
    offset: range.start,
    line: 1,
    rd: task.rd,
    limit: range.limit,
  })
  const bytes = range.bytes.subarray(range.start - range.base)
  let error: unknown
  try {
    for (let i = 0; i < bytes.length && !engine.atLimit; i += SLICE) {
      engine.write(bytes.subarray(i, i + SLICE))
      for (const batch of decoder.takeBatches()) yield items.batch(batch) as RangeItem<TextRangePayload>
    }
    if (range.last && !engine.atLimit) engine.end()
    else decoder.end()
  } catch (err) {
    error = err
    decoder.flushRead()
  }
  for (const batch of decoder.takeBatches()) yield items.batch(batch) as RangeItem<TextRangePayload>
  const last = items.finish(error)
  if (last) yield last
  // the batches were copied out of the range's bytes as they were sent: its buffer goes back
  yield items.end(range, engine.position, engine.scanner.line - 1, decoder.nextRow)
}
