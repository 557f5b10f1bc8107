import type { ErrorLocation, RecordBatch, RecordCounters, SdError } from '@sd/core'
import { type ColumnSpec, CsvColumns, STRING } from './columns.js'
import {
  badValueError,
  columnCountError,
  invalidQuoteError,
  invalidUtf8Error,
  parseError,
  type RecordPlace,
  raggedRowError,
  recordTooLargeError,
  unclosedQuoteError,
} from './errors.js'
import {
  type CsvLayout,
  decideLayout,
  generatedNames,
  headerNamesOf,
  needsInference,
  selectColumns,
} from './layout.js'
import type { ResolvedCsvOptions } from './options.js'
import type { RecordView } from './record.js'
import { BAD_CLOSING_QUOTE, BAD_OPENING_QUOTE, BAD_TOO_LARGE, BAD_UNCLOSED } from './scanner.js'

/** What a {@link CsvDecoder} needs to know. */
export interface DecoderInit {
  /** `{ file }` or `{ url }`, for error locations. */
  at: ErrorLocation
  options: ResolvedCsvOptions
  batchSize: number
  /** A batch also ends once its records hold this many bytes of text. */
  maxBatchBytes: number
  /** Column types decided by an earlier pass over the same file (used when the names match). */
  layout: CsvLayout | undefined
  /** Incremented as records are skipped and values nulled. */
  counters: RecordCounters
  /** Called with the error of each skipped record. */
  onSkip: ((error: SdError) => void) | undefined
  /** Only the layout is wanted: records after the first batch are ignored. */
  schemaOnly?: boolean
}

export const HEADER = 0
export const SAMPLE = 1
export const TYPED = 2

/** Text of the first batch a batch can hold before it is cut, whatever `batchSize` says. */
export const MAX_BATCH_BYTES = 64 << 20

const GROW = (a: Float64Array) => {
  const next = new Float64Array(a.length * 2)
  next.set(a)
  return next
}

/**
 * Turns records into typed columnar batches: reads the header, holds the first batch as strings
 * to infer the column types, then casts every record straight into typed columns. Owns every
 * bad-record and bad-value decision and the counting of rows; a tokenizer hands it complete
 * records ({@link CsvDecoder.record}), records it rejected ({@link CsvDecoder.reject}) and the
 * invalid UTF-8 it saw ({@link CsvDecoder.noteInvalidByte}). Errors under the `'error'` policies
 * are thrown from those calls.
 */
export class CsvDecoder {
  stage = HEADER
  /** The column types, once decided. */
  layout: CsvLayout | undefined
  /** The typed stage's columns (also the sample's string columns while sampling). */
  columns: CsvColumns | undefined
  /** Per field of a record: the output column it goes to, or -1. */
  target: Int32Array = new Int32Array(0)
  /** Fields per record. */
  width = 0
  /** Index of the next data record. */
  nextRow = 0
  /** Text bytes of the records in the batch under construction. */
  batchBytes = 0
  /** True when an empty field of a string column is null. */
  readonly emptyNull: boolean
  readonly init: DecoderInit
  readonly options: ResolvedCsvOptions
  #ready: RecordBatch[] = []
  #names: string[] = []
  #sources: number[] = []
  #decidedBy = ''
  // where the sample's records are, to name them in errors while they are cast
  #sampleStart = new Float64Array(64)
  #sampleLine = new Float64Array(64)
  #sampleRow = new Float64Array(64)
  // invalid UTF-8 bytes not yet attributed to a record, oldest first
  #badOffsets: number[] = []
  #badValues: number[] = []
  #badHead = 0
  /** Offset of the oldest unattributed invalid byte (Infinity when there is none). */
  nextBad = Number.POSITIVE_INFINITY

  constructor(init: DecoderInit) {
    this.init = init
    this.options = init.options
    this.emptyNull = init.options.emptyAs === 'null'
  }

  /** The batches completed so far, handing them over. */
  takeBatches(): RecordBatch[] {
    const out = this.#ready
    if (out.length > 0) this.#ready = []
    return out
  }

  /** Where a record or byte is, for errors. */
  place(line: number, byte: number, row?: number, column?: string): RecordPlace {
    const place: RecordPlace = { at: this.init.at, line, byte }
    if (row !== undefined && row >= 0) place.row = row
    if (column !== undefined) place.column = column
    return place
  }

  /** Remembers an invalid UTF-8 sequence at absolute `offset` (reported with the record holding it). */
  noteInvalidByte(offset: number, value: number): void {
    this.#badOffsets.push(offset)
    this.#badValues.push(value)
    if (this.nextBad === Number.POSITIVE_INFINITY) this.nextBad = offset
  }

  /**
   * A complete record. Checked for invalid UTF-8 (`INVALID_UTF8`) and its width (`CSV_RAGGED_ROW`),
   * then used as the header, sampled, or cast into the typed columns.
   */
  record(v: RecordView): void {
    if (this.#ignoring()) return
    if (v.end > this.nextBad && this.#rejectInvalidUtf8(v.start, v.end, v.line)) return
    if (this.stage === HEADER) {
      this.#readHeader(v)
      if (this.options.header) return
    }
    const row = this.nextRow++
    if (v.count !== this.width) {
      this.reject(raggedRowError(this.width, v.count, this.place(v.line, v.start, row)))
      return
    }
    this.batchBytes += v.end - v.start
    if (this.stage === SAMPLE) this.#addSample(v, row)
    else this.#addTyped(v, row)
  }

  /**
   * A record the tokenizer could not read (`kind`: one of the scanner's `BAD_*`), starting at
   * absolute `start` on `line` and ending at `end`: an error under `onBadRecord: 'error'` (and
   * always for the header, for a record over `maxRecordBytes`, and when `fatal`), else skipped
   * and counted.
   */
  malformed(kind: number, start: number, line: number, end: number, cause?: unknown, fatal = false): void {
    if (this.#ignoring()) return
    const inHeader = this.stage === HEADER && this.options.header
    const row = inHeader ? undefined : this.nextRow
    const place = this.place(line, start, row)
    if (kind === BAD_TOO_LARGE) throw recordTooLargeError(this.options.maxRecordBytes, place)
    this.#consumeBad(start, end)
    const error =
      kind === BAD_UNCLOSED
        ? unclosedQuoteError(place)
        : kind === BAD_OPENING_QUOTE
          ? invalidQuoteError(
              'a quote inside an unquoted field (quote the whole field, and double the quotes in it)',
              place,
            )
          : kind === BAD_CLOSING_QUOTE
            ? invalidQuoteError(
                'text after the closing quote of a field, where a delimiter or the end of the line belongs',
                place,
              )
            : parseError(cause instanceof Error ? cause.message : String(cause), place, cause)
    if (!inHeader) this.nextRow++
    if (fatal || inHeader || this.options.onBadRecord === 'error') throw error
    this.#skip(error)
  }

  /** Drops a record under `onBadRecord` (throws under `'error'`). */
  reject(error: SdError): void {
    if (this.options.onBadRecord === 'error') throw error
    this.#skip(error)
  }

  /** The row just committed by a tokenizer's fast path ended the batch: emit it when full. */
  endOfRow(): void {
    const columns = this.columns as CsvColumns
    if (columns.rows === this.init.batchSize || this.batchBytes >= this.init.maxBatchBytes) this.#emit()
  }

  /**
   * A value that does not fit its column in the current row: `'error'` throws, `'null'` stores
   * null, `'skip'` drops the row. Returns false when the row was dropped.
   */
  badValue(c: number, text: string, line: number, start: number, row: number): boolean {
    const columns = this.columns as CsvColumns
    const spec = columns.specs[c] as ColumnSpec
    const policy = this.options.onBadValue
    if (policy === 'null') {
      columns.setNull(c)
      this.init.counters.nulledValues++
      return true
    }
    const error = badValueError(text, spec.type, this.#decidedBy, this.place(line, start, row, spec.name))
    columns.rollbackRow()
    if (policy === 'error') throw error
    this.#skip(error)
    return false
  }

  /**
   * Starts in the typed stage with a layout decided elsewhere (a worker parsing a range of the
   * file): `width` fields per record, `decidedBy` for messages.
   */
  startTyped(layout: CsvLayout, width: number, decidedBy: string): void {
    this.width = width
    this.#names = layout.names
    this.#useLayout(layout, decidedBy)
  }

  /** How the column types were decided, for messages (`inferred from the first 10000 rows`). */
  get decidedBy(): string {
    return this.#decidedBy
  }

  /**
   * After an error: the rows read before it become a batch, so nothing read is lost (rows still
   * held to decide the types get the types they decide).
   */
  flushRead(): void {
    if (this.stage === SAMPLE) {
      // the types are decided from the records read (a value that does not fit them ends the rows
      // handed over; the first error is the one reported)
      try {
        this.#decide()
      } catch {
        this.#emit()
      }
      return
    }
    if (this.stage === TYPED) this.#emit()
  }

  /** End of the input: decides the types of a short file and emits the last batch. */
  end(): void {
    if (this.stage === SAMPLE) this.#decide()
    this.#emit()
  }

  #ignoring(): boolean {
    return this.init.schemaOnly === true && this.layout !== undefined
  }

  #skip(error: SdError): void {
    this.init.counters.skippedRecords++
    this.init.onSkip?.(error)
  }

  /** True (and the record rejected) when an invalid byte lies in `[start, end)`. */
  #rejectInvalidUtf8(start: number, end: number, line: number): boolean {
    const hit = this.#consumeBad(start, end)
    if (hit === undefined) return false
    const inHeader = this.stage === HEADER && this.options.header
    const row = inHeader ? undefined : this.nextRow++
    const error = invalidUtf8Error(hit.value, this.place(line, hit.offset, row))
    // a header cannot be skipped: without it no record has names
    if (inHeader) throw error
    this.reject(error)
    return true
  }

  /** Forgets invalid bytes before `end`; returns the first in `[start, end)`, if any. */
  #consumeBad(start: number, end: number): { offset: number; value: number } | undefined {
    const offsets = this.#badOffsets
    let head = this.#badHead
    let hit: { offset: number; value: number } | undefined
    while (head < offsets.length && (offsets[head] as number) < end) {
      const offset = offsets[head] as number
      if (hit === undefined && offset >= start) hit = { offset, value: this.#badValues[head] as number }
      head++
    }
    this.#dropBefore(head)
    return hit
  }

  #dropBefore(head: number): void {
    if (head >= this.#badOffsets.length) {
      this.#badOffsets = []
      this.#badValues = []
      this.#badHead = 0
      this.nextBad = Number.POSITIVE_INFINITY
    } else {
      this.#badHead = head
      this.nextBad = this.#badOffsets[head] as number
    }
  }

  #readHeader(v: RecordView): void {
    const options = this.options
    let names: string[]
    if (options.header) {
      names = options.headerNames ?? headerNamesOf(v.texts())
      if (names.length !== v.count) throw columnCountError(names.length, v.count, this.place(v.line, v.start))
    } else names = options.headerNames ?? generatedNames(v.count)
    this.#names = names
    this.width = names.length
    this.#sources = selectColumns(names, options)
    const known = this.init.layout
    if (known && known.names.length === names.length && known.names.every((n, i) => n === names[i])) {
      this.#useLayout(known, 'decided by the first pass over this file')
      return
    }
    this.stage = SAMPLE
    if (!needsInference(names, this.#sources, options)) {
      this.#useLayout(decideLayout(names, this.#sources, undefined, options), 'set by the columnTypes option')
      return
    }
    const specs = this.#sources.map((source, c) => ({
      name: `${c}`,
      type: 'string' as const,
      kind: STRING,
      source,
    }))
    this.columns = new CsvColumns(specs, this.init.batchSize)
    this.#setTarget(this.#sources)
  }

  #setTarget(sources: readonly number[]): void {
    const target = new Int32Array(this.width).fill(-1)
    sources.forEach((source, c) => {
      target[source] = c
    })
    this.target = target
  }

  #addSample(v: RecordView, row: number): void {
    const columns = this.columns as CsvColumns
    columns.ensureRow()
    this.noteSample(v.start, v.line, row)
    const sources = this.#sources
    for (let c = 0; c < sources.length; c++) {
      const k = sources[c] as number
      columns.setString(c, v.bytesOf(k), v.starts[k] as number, v.ends[k] as number)
    }
    columns.commitRow()
    this.sampleFull()
  }

  /**
   * Where the sample's current (uncommitted) row comes from: the record at absolute `start` on
   * `line`, data row `row` (for the errors of its values once the types are decided).
   */
  noteSample(start: number, line: number, row: number): void {
    const r = (this.columns as CsvColumns).rows
    if (r === this.#sampleStart.length) {
      this.#sampleStart = GROW(this.#sampleStart)
      this.#sampleLine = GROW(this.#sampleLine)
      this.#sampleRow = GROW(this.#sampleRow)
    }
    this.#sampleStart[r] = start
    this.#sampleLine[r] = line
    this.#sampleRow[r] = row
  }

  /**
   * After a row of the sample was committed: once the sample is a whole batch, decides the types
   * and casts it (the stage becomes typed). True when it did.
   */
  sampleFull(): boolean {
    const columns = this.columns as CsvColumns
    if (columns.rows < this.init.batchSize && this.batchBytes < this.init.maxBatchBytes) return false
    this.#decide()
    return true
  }

  /** Decides the types from the sample and casts the sampled records into the first batch. */
  #decide(): void {
    const sample = this.columns
    if (!sample) return
    const rows = sample.rows
    this.#useLayout(
      decideLayout(this.#names, this.#sources, sample, this.options),
      `inferred from the first ${rows} rows`,
    )
    const columns = this.columns as CsvColumns
    const count = columns.specs.length
    for (let r = 0; r < rows; r++) {
      columns.ensureRow()
      let kept = true
      for (let c = 0; c < count && kept; c++) {
        const bytes = sample.bytes[c] as Uint8Array
        const offsets = sample.offsets[c] as Int32Array
        const s = offsets[r] as number
        const e = offsets[r + 1] as number
        if (!columns.setField(c, bytes, s, e, this.emptyNull)) {
          const text = Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s).toString('utf8')
          kept = this.badValue(
            c,
            text,
            this.#sampleLine[r] as number,
            this.#sampleStart[r] as number,
            this.#sampleRow[r] as number,
          )
        }
      }
      if (kept) columns.commitRow()
    }
    this.#emit()
  }

  #useLayout(layout: CsvLayout, decidedBy: string): void {
    this.layout = layout
    this.#decidedBy = decidedBy
    this.columns = new CsvColumns(layout.specs, this.init.batchSize)
    this.#setTarget(layout.specs.map((s) => s.source))
    this.stage = TYPED
  }

  #addTyped(v: RecordView, row: number): void {
    const columns = this.columns as CsvColumns
    columns.ensureRow()
    const specs = columns.specs
    for (let c = 0; c < specs.length; c++) {
      const k = (specs[c] as ColumnSpec).source
      const bytes = v.bytesOf(k)
      const s = v.starts[k] as number
      const e = v.ends[k] as number
      if (!columns.setField(c, bytes, s, e, this.emptyNull)) {
        const text = Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s).toString('utf8')
        if (!this.badValue(c, text, v.line, v.start, row)) return
      }
    }
    columns.commitRow()
    this.endOfRow()
  }

  #emit(): void {
    this.batchBytes = 0
    const batch = this.columns?.finish()
    if (batch) this.#ready.push(batch)
  }
}
