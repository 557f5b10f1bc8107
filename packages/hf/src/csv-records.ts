/**
 * A small streaming CSV/TSV record splitter (RFC 4180 quoting: `"` around fields, `""` inside
 * them, line breaks inside quoted fields). Text goes in by pieces; complete records come out.
 */
export class CsvRecords {
  readonly #delimiter: string
  #field = ''
  #record: string[] = []
  #quoted = false
  /** Inside quotes (a delimiter or line break is data). */
  #inQuotes = false
  /** The previous character closed a quoted field or was a `"` inside one. */
  #afterQuote = false
  #pendingCr = false
  #line = 1
  #recordLine = 1

  constructor(delimiter: string) {
    this.#delimiter = delimiter
  }

  /** 1-based line where the record being read started. */
  get recordLine(): number {
    return this.#recordLine
  }

  /** Adds text; returns the records it completes with the line each started on. */
  push(text: string): { fields: string[]; line: number }[] {
    const out: { fields: string[]; line: number }[] = []
    const d = this.#delimiter
    let i = 0
    if (this.#pendingCr) {
      this.#pendingCr = false
      if (text[0] === '\n') i = 1
    }
    let start = i
    for (; i < text.length; i++) {
      const c = text[i]
      if (this.#inQuotes) {
        if (c === '"') {
          this.#field += text.slice(start, i)
          start = i + 1
          if (text[i + 1] === '"') {
            this.#field += '"'
            i++
            start = i + 1
          } else if (i + 1 < text.length) {
            this.#inQuotes = false
          } else {
            // the piece ends on a quote: the next piece says whether it was doubled
            this.#inQuotes = false
            this.#afterQuote = true
          }
        } else if (c === '\n') {
          this.#line++
        }
        continue
      }
      if (this.#afterQuote) {
        this.#afterQuote = false
        if (c === '"') {
          this.#field += '"'
          this.#inQuotes = true
          start = i + 1
          continue
        }
      }
      if (c === '"' && i === start && this.#field === '' && !this.#quoted) {
        this.#quoted = true
        this.#inQuotes = true
        start = i + 1
      } else if (c === d) {
        this.#endField(text.slice(start, i))
        start = i + 1
      } else if (c === '\n' || c === '\r') {
        this.#endField(text.slice(start, i))
        out.push({ fields: this.#record, line: this.#recordLine })
        this.#record = []
        this.#line++
        this.#recordLine = this.#line
        if (c === '\r') {
          if (i + 1 === text.length) this.#pendingCr = true
          else if (text[i + 1] === '\n') i++
        }
        start = i + 1
      }
    }
    this.#field += text.slice(start)
    return out
  }

  /** The last record when the text did not end with a line break; `undefined` otherwise. */
  end(): { fields: string[]; line: number } | undefined {
    if (this.#field === '' && this.#record.length === 0 && !this.#quoted) return undefined
    this.#endField('')
    const last = { fields: this.#record, line: this.#recordLine }
    this.#record = []
    return last
  }

  /** True while a quoted field is still open (at the end of input that is an error). */
  get unterminated(): boolean {
    return this.#inQuotes
  }

  #endField(rest: string): void {
    this.#record.push(this.#field + rest)
    this.#field = ''
    this.#quoted = false
  }
}
