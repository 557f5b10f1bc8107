import { CR, LF } from './scanner.js'

/**
 * Finds where records start and on which line, for an engine that reports only where records end
 * (csv-parse): it keeps the bytes after the last record's end, and skips from there what csv-parse
 * skips before a record (a byte order mark, blank lines, comment lines) to the record's first
 * byte, counting line breaks as the byte-level scanner does.
 */
export class RecordLocator {
  #chunks: Uint8Array[] = []
  /** Absolute offset of `#chunks[0][0]`. */
  #first = 0
  /** The last record's end: where the next record (or what precedes it) begins. */
  #pos = 0
  #line = 1
  #prevCR = false
  readonly #comment: Uint8Array | undefined

  constructor(comment: Uint8Array | undefined) {
    this.#comment = comment
  }

  /** Keeps a chunk of the input (in order). */
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk)
  }

  /**
   * The first byte and line of the record after the last one, given the record delimiter csv-parse
   * found (undefined before it found one).
   */
  recordStart(delimiter: Uint8Array | undefined): { start: number; line: number } {
    let q = this.#pos
    if (q === 0 && this.#byte(0) === 0xef && this.#byte(1) === 0xbb && this.#byte(2) === 0xbf) q = 3
    let line = this.#line
    let prevCR = this.#prevCR
    const advance = (to: number) => {
      for (let i = q; i < to; i++) {
        const c = this.#byte(i)
        if (c === CR) line++
        else if (c === LF && !prevCR) line++
        prevCR = c === CR
      }
      q = to
    }
    for (;;) {
      if (delimiter !== undefined && this.#matches(q, delimiter)) {
        advance(q + delimiter.length)
        continue
      }
      if (this.#comment !== undefined && this.#matches(q, this.#comment) && delimiter !== undefined) {
        let e = q
        while (this.#byte(e) !== -1 && !this.#matches(e, delimiter)) e++
        if (this.#byte(e) === -1) break
        advance(e + delimiter.length)
        continue
      }
      break
    }
    return { start: q, line }
  }

  /** The record found by {@link recordStart} ends at absolute `end`: count its breaks, drop its bytes. */
  recordEnd(start: number, line: number, end: number): void {
    let l = line
    let cr = start === this.#pos ? this.#prevCR : this.#byte(start - 1) === CR
    for (let i = start; i < end; i++) {
      const c = this.#byte(i)
      if (c === CR) l++
      else if (c === LF && !cr) l++
      cr = c === CR
    }
    this.#line = l
    this.#prevCR = cr
    this.#pos = end
    while (this.#chunks.length > 0 && this.#first + (this.#chunks[0] as Uint8Array).length <= end) {
      this.#first += (this.#chunks[0] as Uint8Array).length
      this.#chunks.shift()
    }
  }

  /** Byte at absolute `offset`, or -1 past the bytes kept. */
  #byte(offset: number): number {
    let at = this.#first
    for (const chunk of this.#chunks) {
      if (offset < at + chunk.length) return offset >= at ? (chunk[offset - at] as number) : -1
      at += chunk.length
    }
    return -1
  }

  #matches(offset: number, pattern: Uint8Array): boolean {
    for (let k = 0; k < pattern.length; k++) if (this.#byte(offset + k) !== pattern[k]) return false
    return true
  }
}
