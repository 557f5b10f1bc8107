import {
  type ErrorLocation,
  FormatError,
  firstInvalidUtf8,
  incompleteUtf8Tail,
  isSdError,
  NotFoundError,
  type RecordCounters,
} from '@sd/core'
import { getManyValues, isMany, type Many, none, stop } from 'stream-chain/defs.js'
import pick from 'stream-json/core/filters/pick.js'
import { jsonParser, type Token } from 'stream-json/core/parser.js'
import streamArray from 'stream-json/core/streamers/stream-array.js'
import { isLongInteger, markLiteral, restoreMarked } from './big-integers.js'
import type { ColumnBuilder } from './column-builder.js'
import { describeValue } from './describe.js'
import type { RecordReader } from './record-reader.js'

/** Options of an {@link ArrayReader}. */
export interface ArrayReaderOptions {
  /** `{ file }` or `{ url }` of the source, for error locations. */
  at: ErrorLocation
  /** Dotted path of the array of records; the top-level value when undefined. */
  path: string | undefined
  onBadRecord: 'error' | 'skip'
  counters: RecordCounters
}

type Flushable<I, O> = (input: I) => O

const EMPTY = Buffer.alloc(0)
const BOM = [0xef, 0xbb, 0xbf]

/**
 * Streams the elements of an array in a JSON document with stream-json (`parser` → `pick` at
 * `path` → `streamArray`), calling its stages directly rather than through Node streams. Only
 * the current element is ever assembled, so memory stays bounded however large the document.
 * Text is fed one line at a time (or one chunk, for a long line), so a syntax error names its line
 * and the byte where that piece starts. Reading stops as soon as the array at `path` ends.
 */
export class ArrayReader implements RecordReader {
  readonly #at: ErrorLocation
  readonly #path: string | undefined
  readonly #skip: boolean
  readonly #counters: RecordCounters
  readonly #decoder = new TextDecoder('utf-8', { fatal: true })
  readonly #parser: Flushable<string | typeof none, unknown>
  readonly #pick: Flushable<Token | typeof none, unknown> | undefined
  readonly #stream: Flushable<Token, unknown>
  /** Decoded text of the current chunk. */
  #text = ''
  #pos = 0
  /** File offset where `#text` starts. */
  #textByte = 0
  /** Bytes at the end of the last chunk that start a character the next chunk completes. */
  #tail: Buffer = EMPTY
  #nextByte = 0
  /** The first 3 bytes of the file. */
  #head: number[] = []
  #line = 1
  #pieceLine = 1
  #pieceStart = 0
  /** Elements parsed from the last piece, not yet given to the builder. */
  #values: unknown[] = []
  #lines: number[] = []
  #indexes: number[] = []
  #next = 0
  #started = false
  /** Nesting depth inside the array of records (1 between its brackets). */
  #depth = 0
  /** The element being assembled is an object. */
  #inRecord = false
  /** Long integer literals of the element being assembled were passed on as marked strings. */
  #marked = false
  #ending = false
  #flushed = false
  #done = false

  constructor(options: ArrayReaderOptions) {
    this.#at = options.at
    this.#path = options.path
    this.#skip = options.onBadRecord === 'skip'
    this.#counters = options.counters
    this.#parser = jsonParser({ packValues: true, streamValues: false }) as Flushable<
      string | typeof none,
      unknown
    >
    this.#pick =
      options.path === undefined
        ? undefined
        : (pick({ filter: options.path, once: true }) as Flushable<Token | typeof none, unknown>)
    this.#stream = streamArray() as Flushable<Token, unknown>
  }

  get done(): boolean {
    return this.#done
  }

  push(chunk: Buffer): void {
    const chunkByte = this.#nextByte
    this.#nextByte += chunk.length
    let text: string
    try {
      text = this.#decoder.decode(chunk, { stream: true })
    } catch (err) {
      const bytes = Buffer.concat([this.#tail, chunk])
      const bad = firstInvalidUtf8(bytes, 0, bytes.length - incompleteUtf8Tail(bytes))
      throw this.#invalidUtf8(chunkByte - this.#tail.length + Math.max(0, bad), err)
    }
    for (let i = 0; this.#head.length < 3 && i < chunk.length; i++) this.#head.push(chunk[i] as number)
    this.#textByte = chunkByte - this.#tail.length
    // the decoder drops a leading byte order mark: text decoded from byte 0 then starts 3 bytes in
    if (this.#textByte === 0 && text.length > 0 && this.#head.every((b, i) => b === BOM[i]))
      this.#textByte = 3
    // a sequence is at most 4 bytes: a shorter chunk may continue one the previous chunks started
    const basis = chunk.length >= 4 || this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, chunk])
    const tail = incompleteUtf8Tail(basis)
    this.#tail = tail > 0 ? Buffer.from(basis.subarray(basis.length - tail)) : EMPTY
    this.#text = text
    this.#pos = 0
  }

  end(): void {
    try {
      this.#decoder.decode()
    } catch (err) {
      throw this.#invalidUtf8(this.#nextByte - this.#tail.length, err)
    }
    this.#text = ''
    this.#pos = 0
    this.#ending = true
  }

  fill(builder: ColumnBuilder): boolean {
    for (;;) {
      const values = this.#values
      while (this.#next < values.length) {
        const k = this.#next++
        const value = values[k]
        const line = this.#lines[k] as number
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          if (builder.add(value as Record<string, unknown>, line)) return true
        } else this.#badElement(value, line, this.#indexes[k] as number)
      }
      this.#values = []
      this.#lines = []
      this.#indexes = []
      this.#next = 0
      if (this.#done) return false
      const text = this.#text
      if (this.#pos < text.length) {
        const nl = text.indexOf('\n', this.#pos)
        const end = nl === -1 ? text.length : nl + 1
        this.#pieceStart = this.#pos
        this.#pieceLine = this.#line
        this.#feed(text.slice(this.#pos, end))
        this.#pos = end
        if (nl !== -1) this.#line++
      } else if (this.#ending && !this.#flushed) {
        this.#flushed = true
        this.#finish()
      } else return false
    }
  }

  locate(line: number): ErrorLocation {
    const location: ErrorLocation = { ...this.#at, line }
    if (line === this.#pieceLine) location.byte = this.#pieceByte()
    return location
  }

  #pieceByte(): number {
    return this.#textByte + Buffer.byteLength(this.#text.slice(0, this.#pieceStart))
  }

  #feed(piece: string): void {
    let tokens: unknown
    try {
      tokens = this.#parser(piece)
    } catch (err) {
      throw this.#syntaxError(err)
    }
    this.#tokens(tokens)
  }

  #tokens(out: unknown): void {
    if (out === none) return
    for (const token of getManyValues(out as Many<Token>)) {
      if (this.#done) return
      this.#token(token)
    }
  }

  #token(token: Token): void {
    const filter = this.#pick
    if (!filter) {
      this.#element(token)
      return
    }
    let out: unknown
    try {
      out = filter(token)
    } catch (err) {
      throw this.#syntaxError(err)
    }
    if (out === none) return
    if (out === stop) {
      this.#done = true
      return
    }
    if (isMany(out)) for (const t of getManyValues(out) as Token[]) this.#element(t)
    else this.#element(out as Token)
  }

  #element(input: Token): void {
    let token = input
    if (!this.#started) {
      this.#started = true
      if (token.name !== 'startArray') {
        const where = this.#path === undefined ? 'at the top level' : `at path "${this.#path}"`
        const what = token.name === 'startObject' ? 'an object' : 'a single value'
        const hint =
          this.#path === undefined && token.name === 'startObject'
            ? ' (pass path to name the array inside it)'
            : ''
        throw new FormatError(`Expected an array of records ${where}, got ${what}${hint}`, {
          code: 'JSON_NOT_ARRAY',
          location: this.locate(this.#pieceLine),
        })
      }
    }
    switch (token.name) {
      case 'startArray':
      case 'startObject':
        if (++this.#depth === 2) this.#inRecord = token.name === 'startObject'
        break
      case 'numberValue':
        // a record's own integer too long for a double: its text, restored once the record is whole
        if (this.#depth === 2 && this.#inRecord && isLongInteger(token.value as string)) {
          token = { name: 'stringValue', value: markLiteral(token.value as string) }
          this.#marked = true
        }
        break
      case 'endArray':
      case 'endObject':
        // the array at path closed: nothing after it is needed (a top-level array is read to the end
        // so that trailing garbage is reported)
        if (--this.#depth === 0 && this.#path !== undefined) this.#done = true
        break
    }
    const item = this.#stream(token)
    if (item === none) return
    const { key, value } = item as { key: number; value: unknown }
    this.#values.push(this.#marked ? restoreMarked(value) : value)
    this.#marked = false
    this.#lines.push(this.#pieceLine)
    this.#indexes.push(key)
  }

  #finish(): void {
    let tokens: unknown
    try {
      tokens = this.#parser(none)
    } catch (err) {
      throw new FormatError(
        `Expected the JSON document to continue, got the end of the file (${err instanceof Error ? err.message : String(err)})`,
        {
          code: 'JSON_TRUNCATED',
          cause: err,
          location: { ...this.#at, line: this.#line, byte: this.#nextByte },
        },
      )
    }
    this.#tokens(tokens)
    if (!this.#started) {
      const where = this.#path === undefined ? 'in the document' : `at path "${this.#path}"`
      throw new NotFoundError(`Expected an array of records ${where}, found no value there`, {
        code: 'JSON_PATH_NOT_FOUND',
        location: { ...this.#at },
      })
    }
  }

  #badElement(value: unknown, line: number, index: number): void {
    if (this.#skip) {
      this.#counters.skippedRecords++
      return
    }
    throw new FormatError(`Expected each array element to be a JSON object, got ${describeValue(value)}`, {
      code: 'JSON_NOT_OBJECT',
      location: { ...this.locate(line), index },
    })
  }

  #syntaxError(err: unknown): unknown {
    if (isSdError(err)) return err
    const detail = err instanceof Error ? err.message : String(err)
    return new FormatError(`Expected a valid JSON document, got a syntax error: ${detail}`, {
      code: 'JSON_MALFORMED',
      cause: err,
      location: { ...this.#at, line: this.#pieceLine, byte: this.#pieceByte() },
    })
  }

  #invalidUtf8(byte: number, cause: unknown): FormatError {
    return new FormatError('Expected UTF-8 text, got a byte sequence that is not UTF-8', {
      code: 'INVALID_UTF8',
      cause,
      location: { ...this.#at, byte },
    })
  }
}
