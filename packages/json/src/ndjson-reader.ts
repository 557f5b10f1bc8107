import { isUtf8 } from 'node:buffer'
import { type ErrorLocation, FormatError, firstInvalidUtf8, type RecordCounters } from '@sd/core'
import type { ColumnBuilder } from './column-builder.js'
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
   * File offset of the first pushed byte, when reading starts inside the file (a shard unit): byte
   * offsets in errors count from it, and lines, uncounted before it, are left out of locations.
   */
  firstByte?: number
}

const EMPTY = Buffer.alloc(0)
const NEWLINE = 10
/** Stands in for a line that is not valid UTF-8: never valid JSON, so the line goes to `#badLine`. */
const INVALID_LINE = '\u0000'

/** Two objects separated by a comma on one line (or a harmless look-alike inside a string). */
const TWO_OBJECTS = /}\s*,\s*{/

/**
 * The records of `text` (lines each ending with `\n`) parsed by one `JSON.parse` of the lines joined
 * with commas into an array: one call per region instead of one per line (about 10% less CPU).
 * Returns undefined unless every line holds exactly one object, and the caller then parses line by
 * line. Exactness: strings cannot hold a raw newline, so each added comma is outside strings. If
 * the array has as many elements as lines, all objects, a comma added inside a value spanning
 * lines would need a comma of some line to separate two top-level objects, and such a line
 * contains `}`, spaces, `,`, spaces, `{`, which {@link TWO_OBJECTS} rules out. So every added
 * comma separates elements and each line is one element. Blank lines fail the parse (`,,`).
 */
export function parseLines(text: string): unknown[] | undefined {
  const body = text.slice(0, -1)
  if (body.length === 0 || TWO_OBJECTS.test(body)) return undefined
  const joined = body.replaceAll('\n', ',\n')
  const lines = joined.length - body.length + 1
  let parsed: unknown
  try {
    parsed = JSON.parse(`[${joined}]`)
  } catch {
    return undefined
  }
  if (!Array.isArray(parsed) || parsed.length !== lines) return undefined
  for (let i = 0; i < parsed.length; i++) {
    const record: unknown = parsed[i]
    if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined
  }
  return parsed
}

/**
 * Splits NDJSON into lines and parses them with `JSON.parse`. Each chunk's complete lines (a
 * "region", cut at its last newline) are validated and decoded at once by a fatal `TextDecoder`,
 * then parsed by one `JSON.parse` when every line holds one object ({@link parseLines}), else
 * walked with `indexOf('\n')` and one `JSON.parse` per line, which finds the bad lines. The bytes
 * of the current region are kept, so an error can name the exact byte of a line. Blank lines are
 * skipped; a `\r` before the newline is dropped.
 */
export class NdjsonReader implements RecordReader {
  readonly #at: ErrorLocation
  readonly #skip: boolean
  readonly #maxRecordBytes: number
  readonly #counters: RecordCounters
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  /** Decoded lines of the current region, each ending with `\n`. */
  #text = ''
  #pos = 0
  /** Line number at `#pos` (1-based). */
  #line = 1
  #region: Buffer = EMPTY
  #regionByte = 0
  #regionLine = 1
  /** Lines of the current region that are not UTF-8, with the file offset of the first bad byte. */
  #invalidUtf8: Map<number, number> | undefined
  /** The bytes of an incomplete last line, waiting for its newline. */
  #carry: Buffer[] = []
  #carryBytes = 0
  /** File offset of the next pushed byte. */
  #nextByte = 0
  /** Line numbers are known (reading started at the start of the file). */
  readonly #lines: boolean
  /** Dropping the rest of an over-long line (`onBadRecord: 'skip'`). */
  #discarding = false
  /** The current region's records when it parsed as a whole (one per line), and the next to add. */
  #records: unknown[] | undefined
  #next = 0
  /** Regions left before the whole-region parse is tried again after it failed. */
  #wholeBackoff = 0
  readonly done = false

  constructor(options: NdjsonReaderOptions) {
    this.#at = options.at
    this.#skip = options.onBadRecord === 'skip'
    this.#maxRecordBytes = options.maxRecordBytes
    this.#counters = options.counters
    this.#nextByte = options.firstByte ?? 0
    this.#lines = this.#nextByte === 0
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
    this.#setRegion(region, regionByte, false)
  }

  end(): void {
    if (this.#carryBytes === 0 || this.#discarding) return
    const region = Buffer.concat(this.#carry)
    this.#setRegion(region, this.#nextByte - region.length, true)
    this.#carry = []
    this.#carryBytes = 0
  }

  fill(builder: ColumnBuilder): boolean {
    const records = this.#records
    if (records !== undefined) {
      const first = this.#regionLine
      for (let i = this.#next; i < records.length; i++) {
        if (builder.add(records[i] as Record<string, unknown>, first + i)) {
          this.#next = i + 1
          this.#line = first + i + 1
          return true
        }
      }
      this.#records = undefined
      this.#line = first + records.length
      this.#pos = this.#text.length
      return false
    }
    const text = this.#text
    const n = text.length
    let pos = this.#pos
    let line = this.#line
    while (pos < n) {
      const nl = text.indexOf('\n', pos)
      let end = nl
      if (end > pos && text.charCodeAt(end - 1) === 13) end--
      if (end > pos) {
        let value: unknown
        let failure: unknown
        try {
          value = JSON.parse(text.slice(pos, end))
        } catch (err) {
          failure = err ?? new Error('JSON.parse failed')
        }
        if (failure === undefined && typeof value === 'object' && value !== null && !Array.isArray(value)) {
          if (builder.add(value as Record<string, unknown>, line)) {
            this.#pos = nl + 1
            this.#line = line + 1
            return true
          }
          pos = nl + 1
          line++
          continue
        }
        this.#badLine(text.slice(pos, end), line, value, failure)
      }
      pos = nl + 1
      line++
    }
    this.#pos = pos
    this.#line = line
    return false
  }

  locate(line: number): ErrorLocation {
    const location: ErrorLocation = this.#lines ? { ...this.#at, line } : { ...this.#at }
    const byte = this.#byteOfLine(line)
    if (byte !== undefined) location.byte = byte
    return location
  }

  #byteOfLine(line: number): number | undefined {
    if (line < this.#regionLine) return undefined
    let offset = 0
    for (let l = this.#regionLine; l < line; l++) {
      const nl = this.#region.indexOf(NEWLINE, offset)
      if (nl === -1) return undefined
      offset = nl + 1
    }
    return this.#regionByte + offset
  }

  #setRegion(bytes: Buffer, byte: number, final: boolean): void {
    let region = bytes
    let start = byte
    if (start === 0 && region[0] === 0xef && region[1] === 0xbb && region[2] === 0xbf) {
      // a UTF-8 byte order mark
      region = region.subarray(3)
      start = 3
    }
    this.#region = region
    this.#regionByte = start
    this.#regionLine = this.#line
    this.#pos = 0
    this.#invalidUtf8 = undefined
    let text: string
    try {
      text = this.#decoder.decode(region)
    } catch {
      text = this.#decodeLineByLine(region)
    }
    this.#text = final ? `${text}\n` : text
    this.#records = undefined
    this.#next = 0
    if (this.#invalidUtf8 !== undefined || this.#text.length === 0) return
    if (this.#wholeBackoff > 0) this.#wholeBackoff--
    else {
      this.#records = parseLines(this.#text)
      // a region with a bad or blank line goes line by line; so do the next few
      if (this.#records === undefined) this.#wholeBackoff = 8
    }
  }

  /** Decodes a region that is not all UTF-8 line by line, marking the lines that are not. */
  #decodeLineByLine(region: Buffer): string {
    const parts: string[] = []
    const invalid = new Map<number, number>()
    let line = this.#regionLine
    let start = 0
    while (start <= region.length) {
      let nl = region.indexOf(NEWLINE, start)
      if (nl === -1) nl = region.length
      const bytes = region.subarray(start, nl)
      if (isUtf8(bytes)) parts.push(bytes.toString('utf8'))
      else {
        parts.push(INVALID_LINE)
        invalid.set(line, this.#regionByte + start + Math.max(0, firstInvalidUtf8(bytes)))
      }
      start = nl + 1
      line++
    }
    this.#invalidUtf8 = invalid
    // `parts` ends with the empty piece after the region's last newline, so lines keep their `\n`
    return parts.join('\n')
  }

  #badLine(raw: string, line: number, value: unknown, failure: unknown): void {
    const invalidByte = this.#invalidUtf8?.get(line)
    if (failure !== undefined && invalidByte === undefined && raw.trim() === '') return // a blank line
    if (this.#skip) {
      this.#counters.skippedRecords++
      return
    }
    if (invalidByte !== undefined) {
      throw new FormatError('Expected UTF-8 text, got a byte sequence that is not UTF-8', {
        code: 'INVALID_UTF8',
        location: { ...this.#at, line, byte: invalidByte },
      })
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
    if (at && location.byte !== undefined) {
      location.byte += Buffer.byteLength(raw.slice(0, Number(at[1])))
    }
    const hint =
      line === 1 && /^\s*[{[]/.test(raw)
        ? ' (if the file is one JSON document with the records in an array, pass path or format: "array")'
        : ''
    throw new FormatError(
      `Expected a JSON object on each line, got malformed JSON: ${detail}: ${snippet(raw)}${hint}`,
      {
        code: 'JSON_MALFORMED',
        cause: failure,
        location,
      },
    )
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
