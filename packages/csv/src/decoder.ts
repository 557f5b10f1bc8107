import { finished } from 'node:stream/promises'
import { type RecordBatch, type SdError, ValidationError } from '@sd/core'
import type { CsvError } from 'csv-parse'
import { BatchBuilder } from './batch-builder.js'
import { castError, invalidUtf8Error, parserError, type RecordPlace, raggedRowError } from './errors.js'
import { type CsvLayout, decideLayout, generatedNames, headerNames, selectColumns } from './layout.js'
import type { ResolvedCsvOptions } from './options.js'
import { parserOptions, RecordParser } from './record-parser.js'
import { Utf8Checker } from './utf8.js'

/** Counts of one pass over a file. */
export interface CsvCounters {
  /** Records dropped under `onBadRecord: 'skip'` or `onCastError: 'skip'`. */
  skippedRecords: number
  /** Values stored as null under `onCastError: 'null'`. */
  nulledValues: number
}

/** What a {@link CsvDecoder} needs to know. */
export interface DecoderInit {
  /** The file name, for error messages. */
  file: string
  options: ResolvedCsvOptions
  batchSize: number
  /** Column types decided by an earlier pass over the same file (used when the names match). */
  layout: CsvLayout | undefined
  /** Incremented as records are skipped and values nulled. */
  counters: CsvCounters
  /** Called with the error of each skipped record. */
  onSkip: ((error: SdError) => void) | undefined
}

const HEADER = 0
const SAMPLE = 1
const TYPED = 2

/**
 * Turns the bytes of a CSV file, chunk by chunk, into typed columnar batches. Owns the csv-parse
 * parser, UTF-8 validation, the header, type inference on the first batch, and every bad-record
 * decision. `write` and `end` throw the first error (an {@link SdError}) under the `'error'` policies.
 */
export class CsvDecoder {
  /** The column types, once decided (after the first batch, or at the header when nothing is inferred). */
  layout: CsvLayout | undefined
  readonly #init: DecoderInit
  readonly #options: ResolvedCsvOptions
  readonly #parser: RecordParser
  readonly #utf8 = new Utf8Checker()
  #ready: RecordBatch[] = []
  #stage = HEADER
  #failure: unknown
  #width = 0
  #names: string[] = []
  #sources: number[] = []
  #builder: BatchBuilder | undefined
  #sample: string[][] = []
  #samplePlaces: { start: number; line: number; row: number }[] = []
  #decidedBy = ''
  // where the current record sits: it starts where the previous one ended
  #recordEnd = 0
  #lastLine = 0
  #start = 0
  #row = -1
  /** Line of the record being replayed from the sample, or -1 to read the parser's live line. */
  #line = -1
  // invalid UTF-8 bytes ahead of the parser, oldest first
  #badOffsets: number[] = []
  #badValues: number[] = []
  #badHead = 0
  #nextBad = Number.POSITIVE_INFINITY

  constructor(init: DecoderInit) {
    this.#init = init
    this.#options = init.options
    const skipping = init.options.onBadRecord === 'skip'
    this.#parser = new RecordParser(
      parserOptions(init.options, skipping ? (err) => this.#onParserSkip(err) : undefined),
      this.#onRecord,
    )
  }

  /** Decodes the next chunk of the file. */
  write(chunk: Uint8Array): void {
    this.#utf8.check(chunk, this.#onBadByte)
    this.#parser.write(chunk)
    this.#throwIfFailed()
  }

  /** Decodes what is left at the end of the file (the last record, a short sample). */
  async end(): Promise<void> {
    this.#utf8.end(this.#onBadByte)
    this.#parser.end()
    if (!this.#parser.errored) await finished(this.#parser, { readable: false }).catch(() => undefined)
    this.#throwIfFailed()
    if (this.#stage === SAMPLE) this.#decide()
    this.#emit()
    this.#throwIfFailed()
  }

  /** The batches completed so far, handing them over. */
  takeBatches(): RecordBatch[] {
    const out = this.#ready
    if (out.length > 0) this.#ready = []
    return out
  }

  /** Releases the parser. */
  destroy(): void {
    this.#parser.destroy()
  }

  readonly #onRecord = (record: string[]): void => {
    if (this.#failure !== undefined) return
    const info = this.#parser.info
    const end = info.bytes
    this.#start = this.#recordEnd
    this.#recordEnd = end
    this.#lastLine = info.lines
    if (end > this.#nextBad && this.#containsBadByte(this.#start, end)) return
    if (this.#stage === TYPED) {
      this.#row++
      if (record.length !== this.#width) this.#ragged(record)
      else this.#addTyped(record)
      return
    }
    if (this.#stage === HEADER) {
      this.#readHeader(record)
      if (this.#options.header || this.#failure !== undefined) return
    }
    this.#row++
    if (record.length !== this.#width) this.#ragged(record)
    else if (this.#stage === TYPED) this.#addTyped(record)
    else this.#addSample(record)
  }

  #addSample(record: string[]): void {
    this.#sample.push(record)
    this.#samplePlaces.push({ start: this.#start, line: this.#lastLine, row: this.#row })
    if (this.#sample.length === this.#init.batchSize) this.#decide()
  }

  #readHeader(record: string[]): void {
    const options = this.#options
    let names: string[]
    if (options.header) {
      names = options.columns ?? headerNames(record)
      if (names.length !== record.length) {
        this.#failure = new ValidationError(
          `The columns option names ${names.length} columns, the header has ${record.length}`,
          { code: 'CSV_COLUMN_COUNT', location: { file: this.#init.file, line: this.#lastLine, byte: 0 } },
        )
        return
      }
    } else names = options.columns ?? generatedNames(record.length)
    this.#names = names
    this.#width = names.length
    try {
      this.#sources = selectColumns(names, options)
    } catch (err) {
      this.#failure = err
      return
    }
    const known = this.#init.layout
    if (known && known.names.length === names.length && known.names.every((n, i) => n === names[i])) {
      this.#useLayout(known, 'decided by the first pass over this file')
      return
    }
    const needsSample =
      options.cast && this.#sources.some((s) => !((names[s] as string) in options.columnTypes))
    this.#stage = SAMPLE
    if (!needsSample) this.#decide()
  }

  /** Decides the types from the sample and replays the sampled records into the first batch. */
  #decide(): void {
    const sample = this.#sample
    const decidedBy =
      sample.length === 0 ? 'set by the columnTypes option' : `inferred from the first ${sample.length} rows`
    this.#useLayout(decideLayout(this.#names, this.#sources, sample, this.#options), decidedBy)
    const places = this.#samplePlaces
    this.#sample = []
    this.#samplePlaces = []
    for (let k = 0; k < sample.length && this.#failure === undefined; k++) {
      const place = places[k] as { start: number; line: number; row: number }
      this.#start = place.start
      this.#line = place.line
      this.#row = place.row
      this.#addTyped(sample[k] as string[])
    }
    this.#line = -1
  }

  #useLayout(layout: CsvLayout, decidedBy: string): void {
    this.layout = layout
    this.#decidedBy = decidedBy
    this.#builder = new BatchBuilder(
      layout.columns,
      this.#init.batchSize,
      this.#options.onCastError === 'null',
    )
    this.#stage = TYPED
  }

  #addTyped(record: string[]): void {
    const builder = this.#builder as BatchBuilder
    const failed = builder.add(record)
    if (failed >= 0) this.#castFailed(builder, failed, record)
    else if (builder.rows === this.#init.batchSize) this.#emit()
  }

  #emit(): void {
    const builder = this.#builder
    if (!builder) return
    this.#init.counters.nulledValues += builder.nulled
    builder.nulled = 0
    const batch = builder.finish()
    if (batch) this.#ready.push(batch)
  }

  #place(byte: number, column?: string): RecordPlace {
    const place: RecordPlace = {
      file: this.#init.file,
      line: this.#line >= 0 ? this.#line : this.#lastLine,
      byte,
    }
    if (this.#row >= 0) place.row = this.#row
    if (column !== undefined) place.column = column
    return place
  }

  #ragged(record: string[]): void {
    this.#reject(
      raggedRowError(this.#width, record.length, this.#place(this.#start)),
      this.#options.onBadRecord,
    )
  }

  #castFailed(builder: BatchBuilder, index: number, record: string[]): void {
    const spec = builder.spec(index)
    builder.discardRow()
    const error = castError(
      record[spec.source] as string,
      spec.type,
      this.#decidedBy,
      this.#place(this.#start, spec.name),
    )
    this.#reject(error, this.#options.onCastError === 'skip' ? 'skip' : 'error')
  }

  #reject(error: SdError, policy: 'error' | 'skip'): void {
    if (policy === 'error') {
      this.#failure = error
      return
    }
    this.#init.counters.skippedRecords++
    try {
      this.#init.onSkip?.(error)
    } catch (err) {
      this.#failure = err
    }
  }

  readonly #onBadByte = (offset: number, value: number): void => {
    this.#badOffsets.push(offset)
    this.#badValues.push(value)
    if (this.#nextBad === Number.POSITIVE_INFINITY) this.#nextBad = offset
  }

  /** Consumes the invalid bytes before `end`; true (and the record is rejected) if one is in it. */
  #containsBadByte(start: number, end: number): boolean {
    const offsets = this.#badOffsets
    let head = this.#badHead
    let hit = -1
    let value = 0
    while (head < offsets.length && (offsets[head] as number) < end) {
      const offset = offsets[head] as number
      if (hit < 0 && offset >= start) {
        hit = offset
        value = this.#badValues[head] as number
      }
      head++
    }
    if (head === offsets.length) {
      this.#badOffsets = []
      this.#badValues = []
      this.#badHead = 0
      this.#nextBad = Number.POSITIVE_INFINITY
    } else {
      this.#badHead = head
      this.#nextBad = offsets[head] as number
    }
    if (hit < 0) return false
    const inHeader = this.#stage === HEADER && this.#options.header
    if (!inHeader) this.#row++
    const error = invalidUtf8Error(value, this.#place(hit))
    // a header cannot be skipped: without it no record has names
    this.#reject(error, inHeader ? 'error' : this.#options.onBadRecord)
    return true
  }

  #onParserSkip(err: CsvError | undefined): void {
    // past maxRecordSize csv-parse cannot find the next record: stop instead of skipping
    if (err?.code === 'CSV_MAX_RECORD_SIZE') throw err
    if (this.#failure !== undefined) return
    if (this.#stage !== HEADER || !this.#options.header) this.#row++
    this.#reject(
      parserError(err, { file: this.#init.file, line: this.#lastLine + 1, byte: this.#recordEnd }),
      'skip',
    )
    // bytes up to here belong to the skipped record, not to the next one
    this.#recordEnd = Math.max(this.#recordEnd, this.#parser.info.bytes)
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure
    const err = this.#parser.errored
    if (err) {
      throw parserError(err, { file: this.#init.file, line: this.#lastLine + 1, byte: this.#recordEnd })
    }
  }
}
