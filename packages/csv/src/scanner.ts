import type { RecordView } from './record.js'

export const LF = 10
export const CR = 13

/** Record delimiters, discovered from the first line break outside quotes (as csv-parse does). */
export const RD_UNKNOWN = 0
export const RD_LF = 1
export const RD_CR = 2
export const RD_CRLF = 3

/** {@link CsvScanner.scan} results. */
export const NEED_MORE = 0
export const RECORD = 1
export const EOF = 2
export const MALFORMED = 3

/** What a malformed record broke. */
export const BAD_OPENING_QUOTE = 1
export const BAD_CLOSING_QUOTE = 2
export const BAD_UNCLOSED = 3
export const BAD_TOO_LARGE = 4

/** The dialect a scanner reads: single bytes (-1 = none) and a comment prefix. */
export interface ScannerDialect {
  delimiter: number
  quote: number
  escape: number
  comment: Uint8Array | undefined
  /** Keep reading a malformed record to its end (to skip it) instead of stopping at the fault. */
  skipMalformed: boolean
  maxRecordBytes: number
}

/**
 * The reference CSV tokenizer on bytes: one record per {@link CsvScanner.scan} call, with every
 * rule of the dialect csv-parse reads (its differential test holds both to the same records and
 * errors): fields quoted only from their first byte, the escape active only inside quotes (with
 * the quote as escape, `""` is one quote), the record delimiter fixed by the first line break
 * outside quotes (`\r\n`, `\n` or `\r`; the others are then data), blank lines skipped, comment
 * lines (a prefix at the start of a record) skipped, a UTF-8 byte order mark dropped. Line breaks
 * are counted as an editor shows them (`\r\n`, `\n`, lone `\r`), inside quotes too.
 *
 * A record is scanned again from its first byte when the bytes ran out before its end
 * ({@link NEED_MORE}); nothing of an incomplete record is kept.
 */
export class CsvScanner {
  readonly d: ScannerDialect
  /** The discovered record delimiter. */
  rd = RD_UNKNOWN
  /** 1-based line at {@link CsvScanner.pos}. */
  line = 1
  /** Where scanning resumes: after the last record, blank line or comment consumed. */
  pos = 0
  /** After a {@link RECORD} or a skipped {@link MALFORMED} record: the offset just past it. */
  next = 0
  /** After {@link MALFORMED}: what broke ({@link BAD_OPENING_QUOTE}...). */
  bad = 0
  /** After {@link MALFORMED}: where the record starts (absolute) and its line. */
  badStart = 0
  badLine = 0
  /** The byte before `pos` was a carriage return (for counting `\r\n` as one break). */
  prevCR = false
  #bomChecked = false

  constructor(dialect: ScannerDialect, bomChecked = false) {
    this.d = dialect
    this.#bomChecked = bomChecked
  }

  /**
   * Scans from {@link CsvScanner.pos} in `buf[.., end)`, whose byte 0 is absolute offset `base`,
   * for the next record (into `view`), skipping blank and comment lines. `final`: no bytes follow
   * `end`. Returns {@link RECORD}, {@link MALFORMED} (see `bad`; `next` is valid only when
   * skipping), {@link EOF} or {@link NEED_MORE}.
   */
  scan(buf: Uint8Array, end: number, base: number, final: boolean, view: RecordView): number {
    const d = this.d
    if (!this.#bomChecked) {
      if (base + this.pos === 0) {
        if (end - this.pos < 3 && !final) return NEED_MORE
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = 3
      }
      this.#bomChecked = true
    }
    // blank lines and comment lines before the record
    for (;;) {
      const p = this.pos
      if (p >= end) return final ? EOF : NEED_MORE
      const c = buf[p] as number
      if (c === d.quote) break
      if (c === CR || c === LF) {
        const n = this.#delimiterAt(buf, p, end, final)
        if (n < 0) return NEED_MORE
        if (n > 0) {
          this.#consume(buf, p, p + n)
          continue
        }
        break
      }
      const comment = d.comment
      if (comment !== undefined && c === comment[0]) {
        const match = matchAt(buf, p, end, comment)
        if (match < 0 && !final) return NEED_MORE
        if (match > 0) {
          const after = this.#skipLine(buf, p, end, final)
          if (after < 0) return NEED_MORE
          this.#consume(buf, p, after)
          continue
        }
      }
      break
    }
    return this.#record(buf, end, base, final, view)
  }

  /** Moves `pos` over `buf[from, to)`, counting its line breaks. */
  #consume(buf: Uint8Array, from: number, to: number): void {
    let prevCR = this.prevCR
    let line = this.line
    for (let i = from; i < to; i++) {
      const c = buf[i] as number
      if (c === CR) line++
      else if (c === LF && !prevCR) line++
      prevCR = c === CR
    }
    this.prevCR = prevCR
    this.line = line
    this.pos = to
  }

  /**
   * Length of the record delimiter at `p` (0 when the bytes there are not one), discovering it on
   * the first line break; -1 when more bytes are needed to tell.
   */
  #delimiterAt(buf: Uint8Array, p: number, end: number, final: boolean): number {
    const c = buf[p] as number
    switch (this.rd) {
      case RD_LF:
        return c === LF ? 1 : 0
      case RD_CRLF:
        if (c !== CR) return 0
        if (p + 1 >= end) return final ? 0 : -1
        return buf[p + 1] === LF ? 2 : 0
      case RD_CR:
        return c === CR ? 1 : 0
      default:
        if (c === LF) {
          this.rd = RD_LF
          return 1
        }
        if (c !== CR) return 0
        if (p + 1 >= end && !final) return -1
        if (p + 1 < end && buf[p + 1] === LF) {
          this.rd = RD_CRLF
          return 2
        }
        this.rd = RD_CR
        return 1
    }
  }

  /** Where the last {@link CsvScanner.#skipLine} found the line's end (or stopped, for more bytes). */
  #lineEnd = 0

  /** Offset after the line starting at `p` and its delimiter (the end at EOF), or -1. */
  #skipLine(buf: Uint8Array, p: number, end: number, final: boolean): number {
    for (let i = p; i < end; i++) {
      const c = buf[i] as number
      if (c === CR || c === LF) {
        const n = this.#delimiterAt(buf, i, end, final)
        this.#lineEnd = i
        if (n < 0) return -1
        if (n > 0) return i + n
      }
    }
    this.#lineEnd = end
    return final ? end : -1
  }

  #record(buf: Uint8Array, end: number, base: number, final: boolean, view: RecordView): number {
    const d = this.d
    const delim = d.delimiter
    const quote = d.quote
    const esc = d.escape
    const escapeIsQuote = esc === quote
    const start = this.pos
    view.reset(buf)
    view.start = base + start
    view.line = this.line
    let line = this.line
    let prevCR = this.prevCR
    let malformed = 0
    let p = start
    for (;;) {
      // one field from p
      if (p < end && buf[p] === quote) {
        p++
        prevCR = false
        let seg = p
        let scratchFrom = -1
        let closed = false
        while (!closed) {
          if (p >= end) {
            if (!final) return this.#needMore(start, end, base)
            // the record's first fault is the one reported (its last byte is where it fails)
            return this.#malformed(malformed || BAD_UNCLOSED, start, base, end, end - 1, true)
          }
          const c = buf[p] as number
          if (c === esc && !escapeIsQuote) {
            if (p + 1 >= end) {
              if (!final) return this.#needMore(start, end, base)
              // a last byte escapes nothing: it is text
              p++
              continue
            }
            if (scratchFrom < 0) scratchFrom = view.scratchUsed
            view.scratchBytes(buf, seg, p)
            const next = buf[p + 1] as number
            view.scratchByte(next)
            // the escape byte before it is no carriage return: an escaped LF is a break of its own
            if (next === CR || next === LF) line++
            prevCR = next === CR
            p += 2
            seg = p
            continue
          }
          if (c === quote) {
            if (p + 1 >= end && !final) return this.#needMore(start, end, base)
            if (escapeIsQuote && p + 1 < end && buf[p + 1] === quote) {
              if (scratchFrom < 0) scratchFrom = view.scratchUsed
              view.scratchBytes(buf, seg, p + 1)
              p += 2
              seg = p
              prevCR = false
              continue
            }
            const after = p + 1
            let ok = after >= end
            if (!ok) {
              const nc = buf[after] as number
              if (nc === delim) ok = true
              else if (nc === CR || nc === LF) {
                const n = this.#delimiterAt(buf, after, end, final)
                if (n < 0) return this.#needMore(start, after, base)
                ok = n > 0
              }
              if (!ok && d.comment !== undefined && nc === d.comment[0]) {
                const m = matchAt(buf, after, end, d.comment)
                if (m < 0 && !final) return this.#needMore(start, after, base)
                ok = m > 0
              }
            }
            if (ok) {
              closed = true
              break
            }
            // text after a closing quote: csv-parse keeps the quote as text and stays quoted
            if (!d.skipMalformed) return this.#malformed(BAD_CLOSING_QUOTE, start, base, end, p)
            if (malformed === 0) malformed = BAD_CLOSING_QUOTE
            prevCR = false
            p++
            continue
          }
          if (c === CR) line++
          else if (c === LF && !prevCR) line++
          prevCR = c === CR
          p++
        }
        // the field's content, and p at its closing quote
        let fs: number
        let fe: number
        let inScratch = 0
        if (scratchFrom >= 0) {
          view.scratchBytes(buf, seg, p)
          fs = scratchFrom
          fe = view.scratchUsed
          inScratch = 1
        } else {
          fs = seg
          fe = p
        }
        p++
        prevCR = false
        if (p >= end) {
          view.push(fs, fe, inScratch)
          return this.#complete(view, start, base, end, end, line, prevCR, malformed)
        }
        const nc = buf[p] as number
        if (nc === delim) {
          view.push(fs, fe, inScratch)
          p++
          continue
        }
        const n = nc === CR || nc === LF ? this.#delimiterAt(buf, p, end, final) : 0
        if (n > 0) {
          view.push(fs, fe, inScratch)
          return this.#complete(view, start, base, p, p + n, line, prevCR, malformed)
        }
        // a comment prefix right after the closing quote (csv-parse accepts it there)
        if (view.count === 0 && fs === fe) {
          // the first field, empty: the rest of the line is a comment, the record is ['']
          view.push(fs, fe, inScratch)
          const after = this.#skipLine(buf, p, end, final)
          if (after < 0) return this.#needMore(start, this.#lineEnd, base)
          // the comment's text and its line break are counted from p; the comment counts in the
          // record's size (as in csv-parse, whose record ends at the line's end)
          return this.#complete(view, start, base, p, after, line, prevCR, malformed, this.#lineEnd)
        }
        // otherwise the text after the quote continues the field, unquoted
        if (inScratch === 0) {
          const from = view.scratchUsed
          view.scratchBytes(buf, fs, fe)
          fs = from
          inScratch = 1
        }
        const r = this.#unquotedTail(buf, p, end, final, view, fs)
        if (r === -1) return this.#needMore(start, this.#tailStop, base)
        line += this.#tailLines
        prevCR = this.#tailPrevCR
        if (this.#tailBad !== 0) {
          if (!d.skipMalformed) return this.#malformed(BAD_OPENING_QUOTE, start, base, end, this.#tailBadAt)
          if (malformed === 0) malformed = BAD_OPENING_QUOTE
        }
        p = r
        if (this.#tailEnd === FIELD_END) {
          prevCR = false
          p++
          continue
        }
        if (this.#tailEnd === EOF_END)
          return this.#complete(view, start, base, end, end, line, prevCR, malformed)
        return this.#complete(view, start, base, p, p + this.#tailDelimiter, line, prevCR, malformed)
      }
      // an unquoted field
      const fs = p
      for (;;) {
        if (p >= end) {
          if (!final) return this.#needMore(start, end, base)
          view.push(fs, p, 0)
          return this.#complete(view, start, base, end, end, line, prevCR, malformed)
        }
        const c = buf[p] as number
        if (c === delim) {
          view.push(fs, p, 0)
          prevCR = false
          p++
          break
        }
        if (c === CR || c === LF) {
          const n = this.#delimiterAt(buf, p, end, final)
          if (n < 0) return this.#needMore(start, p, base)
          if (n > 0) {
            view.push(fs, p, 0)
            return this.#complete(view, start, base, p, p + n, line, prevCR, malformed)
          }
          if (c === CR) line++
          else if (!prevCR) line++
          prevCR = c === CR
          p++
          continue
        }
        if (c === quote) {
          // a quote inside an unquoted field: csv-parse keeps it as text
          if (!d.skipMalformed) return this.#malformed(BAD_OPENING_QUOTE, start, base, end, p)
          if (malformed === 0) malformed = BAD_OPENING_QUOTE
        }
        prevCR = false
        p++
      }
    }
  }

  // the unquoted rest of a field after its closing quote and a comment prefix
  #tailLines = 0
  #tailPrevCR = false
  #tailBad = 0
  /** Where the tail's first quote is (its fault). */
  #tailBadAt = 0
  /** Where the tail stopped for more bytes (the bytes before are the record's). */
  #tailStop = 0
  #tailEnd = 0
  #tailDelimiter = 0

  /**
   * Appends the unquoted text from `p` to the field in scratch (started at `fs`) until a delimiter
   * or the record's end; returns the offset of that delimiter (or the end), -1 for more bytes.
   */
  #unquotedTail(
    buf: Uint8Array,
    p: number,
    end: number,
    final: boolean,
    view: RecordView,
    fs: number,
  ): number {
    const d = this.d
    this.#tailLines = 0
    this.#tailPrevCR = false
    this.#tailBad = 0
    let prevCR = false
    let lines = 0
    const seg = p
    for (;;) {
      if (p >= end) {
        this.#tailStop = p
        if (!final) return -1
        this.#tailEnd = EOF_END
        break
      }
      const c = buf[p] as number
      if (c === d.delimiter) {
        this.#tailEnd = FIELD_END
        break
      }
      if (c === CR || c === LF) {
        const n = this.#delimiterAt(buf, p, end, final)
        this.#tailStop = p
        if (n < 0) return -1
        if (n > 0) {
          this.#tailEnd = RECORD_END
          this.#tailDelimiter = n
          break
        }
        if (c === CR) lines++
        else if (!prevCR) lines++
        prevCR = c === CR
        p++
        continue
      }
      if (c === d.quote && this.#tailBad === 0) {
        this.#tailBad = BAD_OPENING_QUOTE
        this.#tailBadAt = p
        // the fault ends the record's reading unless it is skipped
        if (!d.skipMalformed) {
          this.#tailEnd = FAULT_END
          break
        }
      }
      prevCR = false
      p++
    }
    view.scratchBytes(buf, seg, p)
    view.push(fs, view.scratchUsed, 1)
    this.#tailLines = lines
    this.#tailPrevCR = prevCR
    return p
  }

  /**
   * The record from `start` needs more bytes; those before `known` are surely its own. Past
   * `maxRecordBytes` of them the record is too large, whatever follows (a fault or its end).
   */
  #needMore(start: number, known: number, base: number): number {
    if (known - start > this.d.maxRecordBytes) {
      this.bad = BAD_TOO_LARGE
      this.badStart = base + start
      this.badLine = this.line
      return MALFORMED
    }
    return NEED_MORE
  }

  /**
   * A record is complete: its content ends at `contentEnd`, its delimiter (or a comment after it)
   * at `after`. `line` and `prevCR` describe `contentEnd`.
   */
  #complete(
    view: RecordView,
    start: number,
    base: number,
    contentEnd: number,
    after: number,
    line: number,
    prevCR: boolean,
    malformed: number,
    sizeEnd = contentEnd,
  ): number {
    if (sizeEnd - start > this.d.maxRecordBytes) {
      this.bad = BAD_TOO_LARGE
      this.badStart = base + start
      this.badLine = this.line
      return MALFORMED
    }
    const buf = view.buf
    let l = line
    let cr = prevCR
    for (let i = contentEnd; i < after; i++) {
      const c = buf[i] as number
      if (c === CR) l++
      else if (c === LF && !cr) l++
      cr = c === CR
    }
    view.end = base + after
    this.line = l
    this.prevCR = cr
    this.pos = after
    this.next = after
    if (malformed !== 0) {
      this.bad = malformed
      this.badStart = view.start
      this.badLine = view.line
      return MALFORMED
    }
    return RECORD
  }

  /**
   * A fault of the record from `start`, found at byte `at` (the record's bytes run at least to it):
   * when that byte lies past `maxRecordBytes` the record is too large before it is malformed.
   */
  #malformed(kind: number, start: number, base: number, end: number, at: number, atEnd = false): number {
    this.bad = at - start >= this.d.maxRecordBytes ? BAD_TOO_LARGE : kind
    this.badStart = base + start
    this.badLine = this.line
    if (atEnd) {
      // an unclosed field runs to the end of the input: nothing follows it
      this.next = end
      this.pos = end
    }
    return MALFORMED
  }
}

const FIELD_END = 1
const RECORD_END = 2
const EOF_END = 3
/** The tail met a quote, a fault that ends the reading (not skipping). */
const FAULT_END = 4

/** 1 when `pattern` is at `buf[p]`, 0 when not, -1 when `end` cuts the comparison short. */
function matchAt(buf: Uint8Array, p: number, end: number, pattern: Uint8Array): number {
  for (let k = 0; k < pattern.length; k++) {
    if (p + k >= end) return -1
    if (buf[p + k] !== pattern[k]) return 0
  }
  return 1
}

/** Line breaks in `buf[from, to)` (`\r\n` once); `prevCR`: the byte before `from` was `\r`. */
export function countBreaksFrom(buf: Uint8Array, from: number, to: number, prevCR: boolean): number {
  let n = 0
  let cr = prevCR
  for (let i = from; i < to; i++) {
    const c = buf[i] as number
    if (c === CR) n++
    else if (c === LF && !cr) n++
    cr = c === CR
  }
  return n
}
