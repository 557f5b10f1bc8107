import { isUtf8 } from 'node:buffer'
import { type ErrorLocation, FormatError, firstInvalidUtf8, type RecordCounters } from '@sd/core/text-worker'
import { parseRecordText } from './big-integers.js'
import { type ColumnBuilder, LINE_FULL, LINE_SLOW } from './column-builder.js'
import { describeValue, snippet } from './describe.js'
import type { RecordReader } from './record-reader.js'

/** Options of an {@link NdjsonReader}. */
export interface NdjsonReaderOptions {
  /** `{ file }` or `{ url }` of the source, for error locations. */
  at: ErrorLocation
  onBadRecord: 'error' | 'skip'
  maxRecordBytes: number
  counters: RecordCounters
  /**
   * File offset of the first pushed byte and its line, when reading starts inside the file (a
   * worker's range, a shard unit). Without `line`, lines before it are not counted and locations
   * leave lines out.
   */
  start?: { byte: number; line?: number }
}

const EMPTY = Buffer.alloc(0)
const NEWLINE = 10
const CR = 13

/**
 * Splits NDJSON into lines on their bytes and hands each to the column builder: from the bytes
 * when it can ({@link ColumnBuilder.addLine}), else through `JSON.parse`, which also finds bad lines
 * (long integer literals read exactly: see big-integers.ts).
 * The bytes of each chunk's complete lines (a "region", cut at its last newline) are checked for
 * UTF-8 at once; a line that is not UTF-8 is a bad record naming its first bad byte. Blank lines
 * are skipped; a `\r` before the newline is dropped; a byte order mark at the start is skipped.
 */
export class NdjsonReader implements RecordReader {
  readonly #at: ErrorLocation
  readonly #skip: boolean
  readonly #maxRecordBytes: number
  readonly #counters: RecordCounters
  #region: Buffer = EMPTY
  /** Absolute offset of `#region[0]`. */
  #regionByte = 0
  #regionValid = true
  #pos = 0
  /** Line number at `#pos` (1-based). */
  #line = 1
  /** The line being added, for `locate`. */
  #currentLine = 0
  #currentByte = 0
  /** The bytes of an incomplete last line, waiting for its newline. */
  #carry: Buffer[] = []
  #carryBytes = 0
  /** Absolute offset of the next pushed byte. */
  #nextByte: number
  #first: number
  /** Line numbers are known (reading started at the start of the file, or at a known line). */
  readonly #lines: boolean
  /** Dropping the rest of an over-long line (`onBadRecord: 'skip'`). */
  #discarding = false
  readonly done = false

  constructor(options: NdjsonReaderOptions) {
    this.#at = options.at
    this.#skip = options.onBadRecord === 'skip'
    this.#maxRecordBytes = options.maxRecordBytes
    this.#counters = options.counters
    this.#nextByte = options.start?.byte ?? 0
    this.#first = this.#nextByte
    this.#line = options.start?.line ?? 1
    this.#lines = this.#nextByte === 0 || options.start?.line !== undefined
  }

  /** Line number at the reading position (the next line to read). */
  get line(): number {
    return this.#line
  }

  /** Absolute offset of the next line to read (in the current region, or the carried one). */
  get position(): number {
    return this.#pos < this.#region.length ? this.#regionByte + this.#pos : this.#nextByte - this.#carryBytes
  }

  push(chunk: Buffer): void {
    const chunkByte = this.#nextByte
    this.#nextByte += chunk.length
    const first = chunk.indexOf(NEWLINE)
    if (
      this.#carryBytes + (first === -1 ? chunk.length : first) > this.#maxRecordBytes &&
      !this.#discarding
    ) {
      this.#tooLong(chunkByte - this.#carryBytes)
    }
    if (first === -1) {
      if (!this.#discarding) {
        this.#carry.push(chunk)
        this.#carryBytes += chunk.length
      }
      return
    }
    let start = 0
    if (this.#discarding) {
      // the over-long line ends here
      this.#discarding = false
      this.#line++
      start = first + 1
    }
    const last = chunk.lastIndexOf(NEWLINE)
    let region: Buffer
    let regionByte: number
    if (this.#carryBytes > 0) {
      region = Buffer.concat([...this.#carry, chunk.subarray(0, last + 1)])
      regionByte = chunkByte - this.#carryBytes
    } else {
      region = chunk.subarray(start, last + 1)
      regionByte = chunkByte + start
    }
    this.#carry = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : []
    this.#carryBytes = chunk.length - last - 1
    this.#setRegion(region, regionByte)
  }

  end(): void {
    if (this.#carryBytes === 0 || this.#discarding) return
    // the last line has no newline: give it one
    const region = Buffer.concat([...this.#carry, Buffer.from([NEWLINE])])
    this.#setRegion(region, this.#nextByte - this.#carryBytes)
    this.#carry = []
    this.#carryBytes = 0
  }

  fill(builder: ColumnBuilder): boolean {
    const region = this.#region
    const n = region.length
    let pos = this.#pos
    let line = this.#line
    while (pos < n) {
      const nl = region.indexOf(NEWLINE, pos)
      let end = nl
      if (end > pos && region[end - 1] === CR) end--
      const s = pos
      pos = nl + 1
      const current = line++
      if (end === s) continue
      this.#currentLine = current
      this.#currentByte = this.#regionByte + s
      if (!this.#regionValid) {
        const bad = firstInvalidUtf8(region, s, end)
        if (bad >= 0) {
          this.#invalid(current, this.#regionByte + bad)
          continue
        }
      }
      const added = builder.addLine(region, s, end)
      if (added === LINE_SLOW) {
        if (this.#slowLine(builder, region, s, end, current)) {
          this.#pos = pos
          this.#line = line
          return true
        }
        continue
      }
      if (added === LINE_FULL) {
        this.#pos = pos
        this.#line = line
        return true
      }
    }
    this.#pos = pos
    this.#line = line
    return false
  }

  locate(line: number): ErrorLocation {
    const location: ErrorLocation = this.#lines ? { ...this.#at, line } : { ...this.#at }
    if (line === this.#currentLine) location.byte = this.#currentByte
    return location
  }

  /** A line through `JSON.parse`: added (true when the batch is full), skipped, or an error. */
  #slowLine(builder: ColumnBuilder, region: Buffer, s: number, e: number, line: number): boolean {
    const raw = region.toString('utf8', s, e)
    let value: unknown
    let failure: unknown
    try {
      value = parseRecordText(raw)
    } catch (err) {
      failure = err ?? new Error('JSON.parse failed')
    }
    if (failure === undefined && typeof value === 'object' && value !== null && !Array.isArray(value))
      return builder.add(value, line, e - s + 1)
    // a line of spaces is blank
    if (failure !== undefined && raw.trim() === '') return false
    if (this.#skip) {
      this.#counters.skippedRecords++
      return false
    }
    const location = this.locate(line)
    if (failure === undefined) {
      throw new FormatError(`Expected a JSON object on each line, got ${describeValue(value)}`, {
        code: 'JSON_NOT_OBJECT',
        location,
      })
    }
    const detail = failure instanceof Error ? failure.message : String(failure)
    const at = /at position (\d+)/.exec(detail)
    if (at && location.byte !== undefined) location.byte += Buffer.byteLength(raw.slice(0, Number(at[1])))
    const hint =
      line === 1 && /^\s*[{[]/.test(raw)
        ? ' (if the file is one JSON document with the records in an array, pass path or format: "array")'
        : ''
    throw new FormatError(
      `Expected a JSON object on each line, got malformed JSON: ${detail}: ${snippet(raw)}${hint}`,
      { code: 'JSON_MALFORMED', cause: failure, location },
    )
  }

  #invalid(line: number, byte: number): void {
    if (this.#skip) {
      this.#counters.skippedRecords++
      return
    }
    throw new FormatError('Expected UTF-8 text, got a byte sequence that is not UTF-8', {
      code: 'INVALID_UTF8',
      location: { ...this.#at, ...(this.#lines ? { line } : {}), byte },
    })
  }

  #setRegion(bytes: Buffer, byte: number): void {
    let region = bytes
    let start = byte
    if (
      start === 0 &&
      start === this.#first &&
      region[0] === 0xef &&
      region[1] === 0xbb &&
      region[2] === 0xbf
    ) {
      // a UTF-8 byte order mark
      region = region.subarray(3)
      start = 3
    }
    this.#region = region
    this.#regionByte = start
    this.#regionValid = isUtf8(region)
    this.#pos = 0
  }

  #tooLong(byte: number): void {
    if (!this.#skip) {
      throw new FormatError(
        `Expected lines of at most maxRecordBytes (${this.#maxRecordBytes}) bytes, got a longer one (is this really NDJSON?)`,
        {
          code: 'RECORD_TOO_LARGE',
          location: { ...this.#at, ...(this.#lines ? { line: this.#line } : {}), byte },
        },
      )
    }
    this.#counters.skippedRecords++
    this.#carry = []
    this.#carryBytes = 0
    this.#discarding = true
  }
}
