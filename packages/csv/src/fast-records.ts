import { BOOL, type CsvColumns, FLOAT64, INT32, INT64, STRING } from './columns.js'
import { type CsvDecoder, SAMPLE } from './decoder.js'
import { CR, type CsvScanner, LF, RD_CR, RD_CRLF, RD_LF } from './scanner.js'
import { POW10 } from './values.js'

/** A field not read (outside the `columns` projection). */
const SKIP = 255

/**
 * The fast path of the sample and typed stages: whole records parsed from the bytes straight into the columns, a
 * field's scan and its number parse in one pass, no string and no object per field. It reads only
 * the plain case (unquoted fields, the record delimiter already found, the right number of fields,
 * no invalid UTF-8, values that parse); at anything else it leaves the record untouched (its row
 * rolled back) for the {@link CsvScanner} and the decoder, which own every rule and every error.
 * Records read either way are the same records with the same values.
 */
export class FastRecords {
  readonly #decoder: CsvDecoder
  readonly #scanner: CsvScanner
  /** Bytes that end an unquoted field (delimiter, CR, LF, quote): 1, else 0. */
  readonly #stop = new Uint8Array(256)
  /** Per field of a record: storage kind of its column, or SKIP. */
  #kinds = new Uint8Array(0)
  /** Per field: its output column. */
  #cols = new Int32Array(0)
  /** The decoder's stage the layout was taken from (the sample's string columns, or the typed ones). */
  #stage = -1

  constructor(decoder: CsvDecoder, scanner: CsvScanner) {
    this.#decoder = decoder
    this.#scanner = scanner
    const d = scanner.d
    this.#stop[d.delimiter] = 1
    this.#stop[CR] = 1
    this.#stop[LF] = 1
    if (d.quote >= 0) this.#stop[d.quote] = 1
  }

  /** The decoder stage {@link FastRecords.prepare} last took the columns of. */
  get stage(): number {
    return this.#stage
  }

  /**
   * Takes the decoder's columns: the sample's (every field read as text) or the typed stage's.
   * Call again when the stage changes.
   */
  prepare(): void {
    const decoder = this.#decoder
    this.#stage = decoder.stage
    const columns = decoder.columns as CsvColumns
    const width = decoder.width
    this.#kinds = new Uint8Array(width).fill(SKIP)
    this.#cols = new Int32Array(width).fill(-1)
    for (let k = 0; k < width; k++) {
      const c = decoder.target[k] as number
      if (c >= 0) {
        this.#kinds[k] = columns.parseKinds[c] as number
        this.#cols[k] = c
      }
    }
  }

  /**
   * Reads records from `scanner.pos` in `buf[.., end)` (`base`: absolute offset of `buf[0]`) while
   * they are plain and start before the absolute `limit`; returns how many. `scanner.pos`, `line`
   * and `prevCR` follow.
   *
   * Only the bytes up to the last record delimiter are read: every field's scan stops at a
   * delimiter, line break or quote, and that last line break is one, so no read goes past it (a
   * read past a typed array's end would make every read of the loop a slower, generic one).
   */
  run(buf: Uint8Array, end: number, base: number, limit = Number.POSITIVE_INFINITY): number {
    const scanner = this.#scanner
    const decoder = this.#decoder
    const rd = scanner.rd
    if (rd !== RD_LF && rd !== RD_CRLF && rd !== RD_CR) return 0
    let p = scanner.pos
    if (p >= end) return 0
    const safe = buf.lastIndexOf(rd === RD_CR ? CR : LF, end - 1) + 1
    if (safe <= p) return 0
    const kinds = this.#kinds
    const cols = this.#cols
    const width = kinds.length
    const last = width - 1
    const stop = this.#stop
    const d = scanner.d
    const delim = d.delimiter
    const quote = d.quote
    const comment0 = d.comment === undefined ? -1 : (d.comment[0] as number)
    // the sample keeps every field as its text: an empty one is an empty string there
    const sampling = this.#stage === SAMPLE
    const emptyNull = !sampling && decoder.emptyNull
    const maxRecord = d.maxRecordBytes
    const columns = decoder.columns as CsvColumns
    let count = 0
    records: while (p < safe && base + p < limit) {
      const start = p
      const first = buf[p] as number
      // blank lines and comment lines are the scanner's
      if (first === CR || first === LF || first === comment0) break
      columns.ensureRow()
      const r = columns.rows
      for (let k = 0; k < width; k++) {
        const kind = kinds[k] as number
        const c = cols[k] as number
        let q = p
        let b = buf[q] as number
        if (stop[b] === 1) {
          // an empty field (or a quoted one, the scanner's)
          if (b === quote) {
            columns.rollbackRow()
            break records
          }
          if (kind !== SKIP) {
            if (kind === STRING && !emptyNull) columns.setString(c, buf, q, q)
            else columns.setNull(c)
          }
        } else if (kind === STRING) {
          while (stop[b] === 0) b = buf[++q] as number
          columns.setString(c, buf, p, q)
        } else if (kind === BOOL) {
          // `true` or `false` in lower case (the common spelling); the bytes matched are no stop
          // bytes, so the one after them is still before the last line break
          if (
            b === 116 &&
            buf[q + 1] === 114 &&
            buf[q + 2] === 117 &&
            buf[q + 3] === 101 &&
            stop[buf[q + 4] as number] === 1
          ) {
            const bits = columns.bits[c] as Uint8Array
            bits[r >>> 3] = (bits[r >>> 3] as number) | (1 << (r & 7))
            q += 4
          } else if (
            b === 102 &&
            buf[q + 1] === 97 &&
            buf[q + 2] === 108 &&
            buf[q + 3] === 115 &&
            buf[q + 4] === 101 &&
            stop[buf[q + 5] as number] === 1
          ) {
            const bits = columns.bits[c] as Uint8Array
            bits[r >>> 3] = (bits[r >>> 3] as number) & ~(1 << (r & 7))
            q += 5
          } else {
            while (stop[buf[q] as number] === 0) q++
            if (!columns.setField(c, buf, p, q, emptyNull)) {
              columns.rollbackRow()
              break records
            }
          }
          b = buf[q] as number
        } else if (kind === SKIP) {
          while (stop[b] === 0) b = buf[++q] as number
        } else {
          // a number: sign, digits, and for a float a fraction, parsed as the field is scanned
          let negative = false
          if (b === 45) {
            negative = true
            b = buf[++q] as number
          } else if (b === 43) b = buf[++q] as number
          const from = q
          let mantissa = 0
          let digit = b - 48
          while (digit >= 0 && digit <= 9) {
            mantissa = mantissa * 10 + digit
            digit = (buf[++q] as number) - 48
          }
          let digits = q - from
          let frac = 0
          if (digit === -2 && kind === FLOAT64) {
            const dot = ++q
            digit = (buf[q] as number) - 48
            while (digit >= 0 && digit <= 9) {
              mantissa = mantissa * 10 + digit
              digit = (buf[++q] as number) - 48
            }
            frac = q - dot
            digits += frac
          }
          b = digit + 48
          if (stop[b] === 1 && digits > 0 && digits <= (kind === INT32 ? 9 : 15)) {
            if (kind === FLOAT64) {
              const v = frac > 0 ? mantissa / (POW10[frac] as number) : mantissa
              ;(columns.f64[c] as Float64Array)[r] = negative ? -v : v
            } else if (kind === INT32) (columns.i32[c] as Int32Array)[r] = negative ? -mantissa : mantissa
            else if (kind === INT64) columns.setInt64(c, negative ? -mantissa : mantissa)
            else (columns.f64[c] as Float64Array)[r] = negative ? -mantissa : mantissa
          } else {
            // anything else (an exponent, many digits, nan): the general parse of the whole field
            while (stop[buf[q] as number] === 0) q++
            if (!columns.setField(c, buf, p, q, emptyNull)) {
              columns.rollbackRow()
              break records
            }
            b = buf[q] as number
          }
        }
        // q is at the byte that ended the field, b is that byte (a quote there fails each test)
        if (k < last) {
          if (b !== delim) {
            columns.rollbackRow()
            break records
          }
          p = q + 1
        } else if (rd === RD_CRLF) {
          // a CR before the last LF has its LF within `safe`
          if (b !== CR || buf[q + 1] !== LF) {
            columns.rollbackRow()
            break records
          }
          p = q + 2
        } else {
          if (b !== (rd === RD_LF ? LF : CR)) {
            columns.rollbackRow()
            break records
          }
          p = q + 1
        }
      }
      // a whole record: within bounds, and no invalid UTF-8 in it
      if (p - start > maxRecord || base + p > decoder.nextBad) {
        columns.rollbackRow()
        p = start
        break
      }
      if (sampling) decoder.noteSample(base + start, scanner.line + count, decoder.nextRow)
      columns.commitRow()
      decoder.nextRow++
      decoder.batchBytes += p - start
      count++
      scanner.pos = p
      if (!sampling) decoder.endOfRow()
      // a full sample decides the types: the columns change, and so does what is read next
      else if (decoder.sampleFull()) break
    }
    if (count > 0) {
      // each record ended with one line break, and held none
      scanner.line += count
      scanner.prevCR = rd === RD_CR
    }
    return count
  }
}
