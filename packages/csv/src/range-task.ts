import {
  type BatchMessage,
  batchToMessage,
  type ErrorLocation,
  type ErrorMessage,
  errorToMessage,
  type RangeItem,
  type RecordCounters,
  type TextRange,
} from '@sd/core'
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
}

/** One item of a range: a batch, the records skipped before it, or the error that ended the range. */
export interface CsvRangePayload {
  batch?: BatchMessage
  skipped?: ErrorMessage[]
  counters?: RecordCounters
  error?: ErrorMessage
}

/** The buffers each item's batch owns, to transfer with it. */
export const itemTransfers = new WeakMap<object, ArrayBuffer[]>()

/** Bytes fed to the engine at a time, so batches stream out while the range is parsed. */
const SLICE = 256 << 10

/**
 * Parses a range (in a worker): from `range.start` (line 1, row 0: the main thread shifts them),
 * the records that start before `range.limit`, with the layout decided by the main thread.
 * Errors are items, not throws: they count only if the main thread accepts the range.
 */
export function* parseCsvRange(task: CsvRangeTask): Generator<RangeItem<CsvRangePayload>> {
  const { range } = task
  const counters: RecordCounters = { skippedRecords: 0, nulledValues: 0 }
  let skipped: ErrorMessage[] = []
  const options = { ...task.options, onSkip: undefined } as ResolvedCsvOptions
  const decoder = new CsvDecoder({
    at: task.at,
    options,
    batchSize: task.batchSize,
    maxBatchBytes: task.maxBatchBytes,
    layout: undefined,
    counters,
    onSkip: (error) => {
      skipped.push(errorToMessage(error))
    },
  })
  decoder.startTyped(task.layout, task.width, task.decidedBy)
  const engine = new FastCsvEngine(decoder, options, {
    offset: range.start,
    line: 1,
    rd: task.rd,
    limit: range.limit,
  })
  const bytes = range.bytes.subarray(range.start - range.base)
  const take = function* (): Generator<RangeItem<CsvRangePayload>> {
    for (const batch of decoder.takeBatches()) {
      const { message, transfer } = batchToMessage(batch)
      const payload: CsvRangePayload = { batch: message, counters: { ...counters } }
      if (skipped.length > 0) payload.skipped = skipped
      skipped = []
      counters.skippedRecords = 0
      counters.nulledValues = 0
      const item: RangeItem<CsvRangePayload> = { type: 'item', payload }
      itemTransfers.set(item, transfer)
      yield item
    }
  }
  let error: ErrorMessage | undefined
  try {
    for (let i = 0; i < bytes.length && !engine.atLimit; i += SLICE) {
      engine.write(bytes.subarray(i, i + SLICE))
      yield* take()
    }
    if (range.last && !engine.atLimit) engine.end()
    else decoder.end()
  } catch (err) {
    error = errorToMessage(err)
    decoder.flushRead()
  }
  yield* take()
  if (error || skipped.length > 0 || counters.skippedRecords > 0 || counters.nulledValues > 0) {
    const payload: CsvRangePayload = { counters: { ...counters } }
    if (skipped.length > 0) payload.skipped = skipped
    if (error) payload.error = error
    yield { type: 'item', payload }
  }
  yield {
    type: 'end',
    stop: engine.position,
    lines: engine.scanner.line - 1,
    rows: decoder.nextRow,
  }
}
