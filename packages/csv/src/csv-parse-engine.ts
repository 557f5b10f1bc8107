import { type SdError, Utf8Checker } from '@sd/core'
import { type CsvError, type Options, Parser } from 'csv-parse'
import type { CsvDecoder } from './decoder.js'
import type { CsvParser } from './engine.js'
import type { CsvLayout } from './layout.js'
import type { ResolvedCsvOptions } from './options.js'
import { RecordView } from './record.js'
import { RecordLocator } from './record-locator.js'
import { BAD_CLOSING_QUOTE, BAD_OPENING_QUOTE, BAD_TOO_LARGE, BAD_UNCLOSED } from './scanner.js'

/** The parts of csv-parse's parser object this engine drives (its `api`, behind the stream). */
interface ParseApi {
  parse(buf: Buffer | undefined, end: boolean, push: (record: unknown) => void, close: () => void): unknown
  __onRecord(this: ParseApi, push: unknown): unknown
  info: { bytes: number }
  state: { record: string[]; recordHasError: boolean }
  options: { record_delimiter: Buffer[] }
}

const KINDS: Record<string, number> = {
  INVALID_OPENING_QUOTE: BAD_OPENING_QUOTE,
  CSV_INVALID_CLOSING_QUOTE: BAD_CLOSING_QUOTE,
  CSV_QUOTE_NOT_CLOSED: BAD_UNCLOSED,
  CSV_MAX_RECORD_SIZE: BAD_TOO_LARGE,
}

const encoder = new TextEncoder()
const noop = () => undefined

/** The csv-parse options for our CSV options. Quoting, BOM, line ends and comments are its job. */
export function csvParseOptions(
  options: ResolvedCsvOptions,
  onSkip: ((err: CsvError | undefined) => void) | undefined,
): Options {
  const out: Options = {
    delimiter: options.delimiter,
    quote: options.quote ?? false,
    escape: options.escape ?? false,
    bom: true,
    // field counts are checked against the header by the decoder, which also knows the names
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: options.maxRecordBytes,
  }
  if (options.comment !== undefined) {
    out.comment = options.comment
    // only whole-line comments: the characters may appear inside fields
    out.comment_no_infix = true
  }
  if (onSkip) {
    out.skip_records_with_error = true
    out.on_skip = (err) => {
      onSkip(err)
      return undefined
    }
  }
  return out
}

/**
 * The engine for dialects the byte-level tokenizer does not read (multi-character delimiters,
 * quotes and escapes): csv-parse's parser core, driven directly (no stream), its records handed to
 * the same decoder, with record starts and lines found by a {@link RecordLocator} so that errors
 * name the same places as the byte-level engine's.
 */
export class CsvParseEngine implements CsvParser {
  readonly #decoder: CsvDecoder
  readonly #api: ParseApi
  readonly #locator: RecordLocator
  readonly #utf8 = new Utf8Checker()
  readonly #view = new RecordView()
  readonly #onBad: (offset: number, value: number) => void
  #total = 0
  /** The first error of the record being read under `onBadRecord: 'skip'`, and that record. */
  #skipped: { error: CsvError | undefined; record: string[] } | undefined

  constructor(decoder: CsvDecoder, options: ResolvedCsvOptions) {
    this.#decoder = decoder
    this.#locator = new RecordLocator(
      options.comment === undefined ? undefined : encoder.encode(options.comment),
    )
    this.#onBad = (offset, value) => decoder.noteInvalidByte(offset, value)
    const skipping = options.onBadRecord === 'skip'
    const parser = new Parser(csvParseOptions(options, skipping ? (err) => this.#onSkip(err) : undefined))
    const api = (parser as unknown as { api: ParseApi }).api
    const onRecord = api.__onRecord
    const engine = this
    // every record csv-parse completes, kept or dropped, passes here with info.bytes at its end
    api.__onRecord = function (this: ParseApi, push: unknown) {
      engine.#recordEnded(this.info.bytes, this.state.recordHasError, this.state.record)
      return onRecord.call(this, push)
    }
    this.#api = api
  }

  get layout(): CsvLayout | undefined {
    return this.#decoder.layout
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    this.#utf8.check(chunk, this.#onBad)
    this.#locator.push(chunk)
    this.#total += chunk.length
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.#failed(this.#api.parse(buf, false, noop, noop))
  }

  end(): void {
    this.#utf8.end(this.#onBad)
    this.#failed(this.#api.parse(undefined, true, noop, noop))
    if (this.#skipped) {
      // a quoted field still open at the end: the record never ended
      const error = this.#skipped.error
      this.#skipped = undefined
      const { start, line } = this.#locator.recordStart(this.#delimiter())
      this.#decoder.malformed(KINDS[error?.code ?? ''] ?? 0, start, line, this.#total, error)
    }
    this.#decoder.end()
  }

  takeBatches() {
    return this.#decoder.takeBatches()
  }

  #delimiter(): Uint8Array | undefined {
    return this.#api.options.record_delimiter[0]
  }

  #recordEnded(end: number, dropped: boolean, record: string[]): void {
    const { start, line } = this.#locator.recordStart(this.#delimiter())
    const skipped = this.#skipped
    this.#skipped = undefined
    if (dropped) {
      this.#locator.recordEnd(start, line, end)
      this.#decoder.malformed(KINDS[skipped?.error?.code ?? ''] ?? 0, start, line, end, skipped?.error)
      return
    }
    const view = this.#view
    view.reset(view.scratch)
    view.start = start
    view.end = end
    view.line = line
    for (const field of record) view.pushString(field)
    this.#locator.recordEnd(start, line, end)
    this.#decoder.record(view)
  }

  #onSkip(err: CsvError | undefined): void {
    // past maxRecordBytes csv-parse cannot find the next record: stop instead of skipping
    if (err?.code === 'CSV_MAX_RECORD_SIZE') throw err
    const record = this.#api.state.record
    // one skip per record, however many faults it has
    if (this.#skipped?.record === record) return
    this.#skipped = { error: err, record }
  }

  /** Raises what `parse` returned: csv-parse's error as an SdError at the failing record. */
  #failed(err: unknown): void {
    if (err === undefined) return
    if ((err as SdError).location !== undefined && typeof (err as SdError).code === 'string') throw err
    const code = (err as { code?: unknown }).code
    const { start, line } = this.#locator.recordStart(this.#delimiter())
    this.#decoder.malformed(KINDS[typeof code === 'string' ? code : ''] ?? 0, start, line, start, err, true)
  }
}
