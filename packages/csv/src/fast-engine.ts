import { Utf8Checker } from '@sd/core'
import { type CsvDecoder, HEADER } from './decoder.js'
import type { CsvParser } from './engine.js'
import { FastRecords } from './fast-records.js'
import type { CsvLayout } from './layout.js'
import type { ResolvedCsvOptions } from './options.js'
import { RecordView } from './record.js'
import {
  BAD_TOO_LARGE,
  CsvScanner,
  EOF,
  MALFORMED,
  NEED_MORE,
  RD_CR,
  RECORD,
  type ScannerDialect,
} from './scanner.js'

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()

/** The scanner dialect of resolved options (single bytes; the engine is chosen only for those). */
export function scannerDialect(options: ResolvedCsvOptions): ScannerDialect {
  return {
    delimiter: options.delimiter.charCodeAt(0),
    quote: options.quote === null ? -1 : options.quote.charCodeAt(0),
    escape: options.escape === null ? -1 : options.escape.charCodeAt(0),
    comment: options.comment === undefined ? undefined : encoder.encode(options.comment),
    skipMalformed: options.onBadRecord === 'skip',
    maxRecordBytes: options.maxRecordBytes,
  }
}

/** Where an engine starts reading: offset 0 of the file, or a record start inside it (a range). */
export interface EngineStart {
  /** Absolute offset of the first byte written. */
  offset: number
  /** Line number at that offset. */
  line: number
  /** The record delimiter found before (`RD_*` of the scanner), for a start inside the file. */
  rd?: number
  /** Records that start at or after this absolute offset are left alone (default: none). */
  limit?: number
}

/**
 * The byte-level engine: chunks are checked for UTF-8 (natively), joined only where a record
 * crosses a chunk boundary, and cut into records by the {@link CsvScanner}, which hands them to
 * the decoder. A record longer than what is buffered waits for at least twice as many bytes
 * before it is scanned again, so a long record costs linear time.
 */
export class FastCsvEngine implements CsvParser {
  readonly #decoder: CsvDecoder
  readonly #scanner: CsvScanner
  readonly #view = new RecordView()
  readonly #utf8: Utf8Checker
  readonly #onBad: (offset: number, value: number) => void
  #buf: Uint8Array = EMPTY
  #len = 0
  /** Absolute offset of `#buf[0]`. */
  #base: number
  #pending: Uint8Array[] = []
  #pendingBytes = 0
  /** Bytes the scanner needs buffered before it tries again. */
  #need = 0
  readonly #fast: FastRecords
  readonly #useFast: boolean
  readonly #limit: number
  #atLimit = false

  constructor(decoder: CsvDecoder, options: ResolvedCsvOptions, start: EngineStart = { offset: 0, line: 1 }) {
    this.#decoder = decoder
    this.#scanner = new CsvScanner(scannerDialect(options), start.offset > 0)
    this.#scanner.line = start.line
    if (start.rd !== undefined) {
      this.#scanner.rd = start.rd
      // a record start follows a record delimiter: after a lone CR, a LF is no line break of its own
      this.#scanner.prevCR = start.rd === RD_CR
    }
    this.#limit = start.limit ?? Number.POSITIVE_INFINITY
    this.#base = start.offset
    this.#utf8 = new Utf8Checker(start.offset)
    this.#onBad = (offset, value) => decoder.noteInvalidByte(offset, value)
    this.#fast = new FastRecords(decoder, this.#scanner)
    this.#useFast = decoder.init.schemaOnly !== true
  }

  get layout(): CsvLayout | undefined {
    return this.#decoder.layout
  }

  /** The scanner (for the record delimiter it found and the line it is at). */
  get scanner(): CsvScanner {
    return this.#scanner
  }

  /** Absolute offset of the next record start (or of the blank lines before it). */
  get position(): number {
    return this.#base + this.#scanner.pos
  }

  /** True once the engine stopped at a record that starts at or after its limit. */
  get atLimit(): boolean {
    return this.#atLimit
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.#atLimit) return
    this.#utf8.check(chunk, this.#onBad)
    this.#pending.push(chunk)
    this.#pendingBytes += chunk.length
    if (this.#len - this.#scanner.pos + this.#pendingBytes < this.#need) return
    this.#join()
    this.#run(false)
  }

  end(): void {
    if (!this.#atLimit) {
      this.#utf8.end(this.#onBad)
      this.#join()
      this.#run(true)
    }
    this.#decoder.end()
  }

  takeBatches() {
    return this.#decoder.takeBatches()
  }

  /** Appends the pending chunks to the unscanned rest of the buffer. */
  #join(): void {
    const scanner = this.#scanner
    const rest = this.#len - scanner.pos
    const pending = this.#pending
    if (pending.length === 0) return
    if (rest === 0 && pending.length === 1) {
      this.#base += this.#len
      this.#buf = pending[0] as Uint8Array
    } else if (this.#follows(pending)) {
      // the chunks continue the buffer in its memory (slices of one range): a longer view, no copy
      const buf = this.#buf
      this.#base += scanner.pos
      this.#buf = new Uint8Array(buf.buffer, buf.byteOffset + scanner.pos, rest + this.#pendingBytes)
    } else {
      const joined = new Uint8Array(rest + this.#pendingBytes)
      joined.set(this.#buf.subarray(scanner.pos, this.#len))
      let at = rest
      for (const chunk of pending) {
        joined.set(chunk, at)
        at += chunk.length
      }
      this.#base += scanner.pos
      this.#buf = joined
    }
    this.#len = this.#buf.length
    scanner.pos = 0
    this.#pending = []
    this.#pendingBytes = 0
  }

  /** True when `chunks` lie in the buffer's memory one after the other, right after its end. */
  #follows(chunks: Uint8Array[]): boolean {
    const buf = this.#buf
    let at = buf.byteOffset + this.#len
    for (const chunk of chunks) {
      if (chunk.buffer !== buf.buffer || chunk.byteOffset !== at) return false
      at += chunk.length
    }
    return true
  }

  #run(final: boolean): void {
    const scanner = this.#scanner
    const decoder = this.#decoder
    const view = this.#view
    const limit = this.#limit
    for (;;) {
      if (this.#useFast && decoder.stage !== HEADER) {
        if (this.#fast.stage !== decoder.stage) this.#fast.prepare()
        this.#fast.run(this.#buf, this.#len, this.#base, limit)
        // the sample filled up: the typed stage reads on
        if (this.#fast.stage !== decoder.stage) continue
      }
      if (this.#base + scanner.pos >= limit) {
        this.#atLimit = true
        return
      }
      const result = scanner.scan(this.#buf, this.#len, this.#base, final, view)
      if (result === RECORD) {
        decoder.record(view)
        continue
      }
      if (result === MALFORMED) {
        const end = scanner.bad === BAD_TOO_LARGE ? scanner.badStart : this.#base + scanner.next
        decoder.malformed(scanner.bad, scanner.badStart, scanner.badLine, end)
        // skipped: go on after the record
        scanner.pos = scanner.next
        continue
      }
      if (result === NEED_MORE) this.#need = 2 * (this.#len - scanner.pos)
      else if (result === EOF) this.#need = 0
      return
    }
  }
}
