import { type BatchMessage, batchFromMessage, batchToMessage } from '../../batch-message.js'
import { SdError } from '../../errors.js'
import type { RecordCounters } from '../../instruments.js'
import type { RecordBatch } from '../../record-batch.js'
import { errorFromMessage, errorToMessage } from '../../workers/error-message.js'
import type { ErrorMessage } from '../../workers/protocol.js'
import type { TaskContext } from '../../workers/serve.js'
import type { RangeEnd, RangeItem, TextPosition, TextRange } from './parallel-text.js'

/**
 * What a text loader's worker sends for a range, item by item: a batch, the records skipped before
 * it (for the main thread's `onSkip`), the counters since the last item, or the error that ended
 * the range.
 */
export interface TextRangePayload {
  batch?: BatchMessage
  skipped?: ErrorMessage[]
  counters?: RecordCounters
  error?: ErrorMessage
}

const transfers = new WeakMap<object, ArrayBuffer[]>()

/**
 * The worker side of a text range: collects skipped records and counters as the parse goes, and
 * makes each batch an item whose buffers transfer (see {@link rangeItemTransfer}).
 */
export class RangeItems {
  /** Records skipped and values nulled since the last item (the parse increments them). */
  readonly counters: RecordCounters = { skippedRecords: 0, nulledValues: 0 }
  #skipped: ErrorMessage[] = []

  /** Notes a skipped record's error (the parser's `onSkip`). */
  readonly skip = (error: unknown): void => {
    this.#skipped.push(errorToMessage(error))
  }

  /** A batch as an item (undefined for none). */
  batch(batch: RecordBatch | undefined): RangeItem<TextRangePayload> | undefined {
    if (!batch) return undefined
    const { message, transfer } = batchToMessage(batch)
    return this.#item({ batch: message }, transfer)
  }

  /** The error that ended the range, or what was counted after the last batch (undefined: nothing). */
  finish(error: unknown): RangeItem<TextRangePayload> | undefined {
    const c = this.counters
    if (error === undefined && this.#skipped.length === 0 && c.skippedRecords === 0 && c.nulledValues === 0)
      return undefined
    return this.#item(error === undefined ? {} : { error: errorToMessage(error) }, [])
  }

  /**
   * The range's last item: where the parse stopped and what it counted, with the range's buffer
   * handed back to the main thread for a later range (no item may use `range.bytes` after it).
   */
  end(range: TextRange, stop: number, lines: number, rows: number): RangeEnd {
    const buffer = range.bytes.buffer as ArrayBuffer
    const end: RangeEnd = { type: 'end', stop, lines, rows, buffer }
    transfers.set(end, [buffer])
    return end
  }

  #item(payload: TextRangePayload, transfer: ArrayBuffer[]): RangeItem<TextRangePayload> {
    payload.counters = { ...this.counters }
    this.counters.skippedRecords = 0
    this.counters.nulledValues = 0
    if (this.#skipped.length > 0) payload.skipped = this.#skipped
    this.#skipped = []
    const item: RangeItem<TextRangePayload> = { type: 'item', payload }
    transfers.set(item, transfer)
    return item
  }
}

/**
 * A range worker's `stream` handler (for `serveWorker`) around `parse`: first it lets the messages
 * that came meanwhile in (a cancel: the main thread took the range over), then says `start`, from
 * which the main thread waits for the range rather than parse it itself.
 */
export function rangeStream<T, P = TextRangePayload>(
  parse: (task: T) => Iterable<RangeItem<P>>,
): (task: T, ctx: TaskContext) => AsyncGenerator<RangeItem<P>> {
  return async function* started(task, ctx) {
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (ctx.signal.aborted) return
    yield { type: 'start' }
    yield* parse(task)
  }
}

/** The buffers of an item made by {@link RangeItems} (a worker's `transfer`). */
export function rangeItemTransfer(item: object): ArrayBuffer[] {
  return transfers.get(item) ?? []
}

/**
 * The main side: a payload from a range accepted at `at` becomes batches; counters are added,
 * skipped records reported, and an error thrown, with lines and rows counted from the file's start.
 */
export function acceptRangePayload(
  payload: TextRangePayload,
  at: TextPosition,
  counters: RecordCounters,
  onSkip: ((error: SdError) => void) | undefined,
): RecordBatch[] {
  if (payload.counters) {
    counters.skippedRecords += payload.counters.skippedRecords
    counters.nulledValues += payload.counters.nulledValues
  }
  if (payload.skipped && onSkip) for (const m of payload.skipped) onSkip(shiftedError(m, at))
  if (payload.error) throw shiftedError(payload.error, at)
  return payload.batch ? [batchFromMessage(payload.batch)] : []
}

/** A worker's error (lines from 1 and rows from 0 at its range's start) placed in the whole file. */
export function shiftedError(m: ErrorMessage, at: TextPosition): SdError {
  const location = m.location ? { ...m.location } : undefined
  if (location?.line !== undefined) location.line += at.line - 1
  if (location?.row !== undefined) location.row += at.row
  const message: ErrorMessage = location ? { ...m, location } : m
  return (
    errorFromMessage(message) ??
    new SdError(`A parse worker failed: ${m.name}: ${m.message}`, { code: 'SOURCE_ERROR' })
  )
}
