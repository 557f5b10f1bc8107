import { ValidationError } from '@sd/core'
import { type CsvError, normalize_options, type Options, Parser } from 'csv-parse'
import type { ResolvedCsvOptions } from './options.js'

/** Receives each record (an array of field strings) the moment csv-parse completes it. */
export type RecordSink = (record: string[]) => void

/**
 * csv-parse's stream parser in arrays mode, handing records straight to a sink instead of queueing
 * them on its readable side. Every record then arrives synchronously inside `write()`, while
 * `info.lines` and `info.bytes` still describe that record, and no per-record stream machinery
 * runs (the readable side of a Transform costs as much as the decoding we add).
 */
export class RecordParser extends Parser {
  readonly #sink: RecordSink

  constructor(options: Options, sink: RecordSink) {
    super(options)
    this.#sink = sink
    // errors are read from `errored` after each write; the event would otherwise be unhandled
    this.on('error', () => undefined)
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding)
    this.#sink(chunk as string[])
    return true
  }
}

/** The csv-parse options for our CSV options. Quoting, BOM, CRLF and comments are csv-parse's job. */
export function parserOptions(
  options: ResolvedCsvOptions,
  onSkip: ((err: CsvError | undefined) => void) | undefined,
): Options {
  const out: Options = {
    delimiter: options.delimiter,
    quote: options.quote ?? false,
    escape: options.quote === null ? false : (options.escape ?? options.quote),
    bom: true,
    // field counts are checked against the header by the decoder, which also knows the column names
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: options.maxRecordSize,
  }
  if (options.comment !== undefined) {
    out.comment = options.comment
    // only whole-line comments: the character may appear inside fields
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

/** Throws a {@link ValidationError} when csv-parse refuses the options (so it happens at construction). */
export function checkParserOptions(options: ResolvedCsvOptions): void {
  try {
    normalize_options(parserOptions(options, undefined))
  } catch (err) {
    throw new ValidationError(`Invalid CSV options: ${err instanceof Error ? err.message : String(err)}`, {
      code: 'INVALID_OPTION',
      cause: err,
    })
  }
}
