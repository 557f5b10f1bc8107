import { type SdError, Utf8Checker } from '@sd/core'
import { CsvError, type Options, Parser } from 'csv-parse'
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
  __onField(this: ParseApi): unknown
  __needMoreData(this: ParseApi, pos: number, bufLen: number, end: boolean): boolean
  __isQuote(this: ParseApi, buf: Buffer, pos: number): boolean
  __error(this: ParseApi, err: CsvError): CsvError | undefined
  __infoField(this: ParseApi): Record<string, unknown>
  info: { bytes: number; lines: number }
  state: { record: string[]; recordHasError: boolean; quoting: boolean; bufBytesStart: number }
  options: { record_delimiter: Buffer[]; quote: Buffer | null }
}

/** A fault found by this engine inside csv-parse's loop: it stops `parse` (not skipping). */
class Fault {
  constructor(readonly error: CsvError) {}
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
    // a backstop: csv-parse counts the decoded characters of a record's fields (never more than
    // their bytes), while the engine checks maxRecordBytes on each record's bytes
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
 * name the same places as the byte-level engine's. Two rules are the byte-level engine's, applied
 * here around csv-parse: `maxRecordBytes` counts a record's bytes from its first byte to its line's
 * end (a record whose fault lies past that many bytes is too large first), and a closing quote
 * followed by a NUL byte is malformed quoting (csv-parse takes the NUL for the end of the input).
 */
export class CsvParseEngine implements CsvParser {
  readonly #decoder: CsvDecoder
  readonly #api: ParseApi
  readonly #locator: RecordLocator
  readonly #utf8 = new Utf8Checker()
  readonly #view = new RecordView()
  readonly #onBad: (offset: number, value: number) => void
  readonly #maxRecordBytes: number
  #total = 0
  /** Where csv-parse's loop is: the offset in its buffer of the byte it reads. */
  #at = 0
  /** The absolute end of the last field csv-parse completed (a record's end, at its last field). */
  #fieldEnd = 0
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
    const onField = api.__onField
    const needMoreData = api.__needMoreData
    const isQuote = api.__isQuote
    const engine = this
    this.#maxRecordBytes = options.maxRecordBytes
    // every record csv-parse completes, kept or dropped, passes here with info.bytes at its end
    api.__onRecord = function (this: ParseApi, push: unknown) {
      engine.#recordEnded(this.info.bytes, this.state.recordHasError, this.state.record)
      return onRecord.call(this, push)
    }
    // info.bytes is where the field ends (before the record's delimiter, for its last field)
    api.__onField = function (this: ParseApi) {
      engine.#fieldEnd = this.info.bytes
      return onField.call(this)
    }
    // called at the top of each step of csv-parse's loop with the position it reads
    api.__needMoreData = function (this: ParseApi, pos: number, bufLen: number, end: boolean) {
      engine.#at = pos
      return needMoreData.call(this, pos, bufLen, end)
    }
    // a closing quote followed by a NUL byte: csv-parse takes the NUL (falsy) for the end of the
    // input and keeps it as text; like any other text after a closing quote it is malformed
    // quoting, and the quote stays text of the quoted field, as csv-parse treats such a quote
    api.__isQuote = function (this: ParseApi, buf: Buffer, pos: number) {
      const found = isQuote.call(this, buf, pos)
      if (!found || pos !== engine.#at || !this.state.quoting) return found
      const next = pos + (this.options.quote?.length ?? 1)
      if (next >= buf.length || buf[next] !== 0) return found
      const error = new CsvError(
        'CSV_INVALID_CLOSING_QUOTE',
        ['Invalid Closing Quote:', 'got a NUL byte', `at line ${this.info.lines}`],
        this.options as never,
        this.__infoField(),
      )
      const raised = this.__error(error)
      if (raised !== undefined) throw new Fault(raised)
      return false
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
    this.#failed(this.#parse(buf, false))
  }

  end(): void {
    this.#utf8.end(this.#onBad)
    this.#failed(this.#parse(undefined, true))
    if (this.#skipped) {
      // a quoted field still open at the end: the record never ended (its last byte, past
      // maxRecordBytes, makes it too large)
      const error = this.#skipped.error
      this.#skipped = undefined
      const { start, line } = this.#locator.recordStart(this.#delimiter())
      const kind = this.#total - start > this.#maxRecordBytes ? BAD_TOO_LARGE : KINDS[error?.code ?? '']
      this.#decoder.malformed(kind ?? 0, start, line, this.#total, error)
    }
    this.#decoder.end()
  }

  /** csv-parse's `parse`, a fault this engine raised inside it returned as csv-parse returns its own. */
  #parse(buf: Buffer | undefined, end: boolean): unknown {
    try {
      return this.#api.parse(buf, end, noop, noop)
    } catch (err) {
      if (err instanceof Fault) return err.error
      throw err
    }
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
    // the record's bytes, to its line's end: past maxRecordBytes it is too large, kept or dropped
    if (this.#fieldEnd - start > this.#maxRecordBytes)
      this.#decoder.malformed(BAD_TOO_LARGE, start, line, start)
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
    let kind = KINDS[typeof code === 'string' ? code : ''] ?? 0
    // the byte where the fault is (the last byte for a quote left open): when it lies past
    // maxRecordBytes the record is too large before it is malformed
    const at = kind === BAD_UNCLOSED ? this.#total - 1 : this.#api.state.bufBytesStart + this.#at
    if (kind !== 0 && at - start >= this.#maxRecordBytes) kind = BAD_TOO_LARGE
    this.#decoder.malformed(kind, start, line, start, err, true)
  }
}
