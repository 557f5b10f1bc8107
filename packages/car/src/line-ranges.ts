/** A run of whole records: rows `[rowStart, rowEnd)` in bytes `[byteStart, byteEnd)` of the file. */
export interface LineBatch {
  rowStart: number
  rowEnd: number
  byteStart: number
  byteEnd: number
}

/** What {@link LineRangeScanner.finish} found. */
export interface LineRanges {
  /** The CSV header line (its newline included); absent for NDJSON. */
  header: { byteStart: number; byteEnd: number } | undefined
  /** Data records (blank lines not counted). */
  numRows: number
  batches: LineBatch[]
}

const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22

/**
 * Finds record boundaries in CSV or NDJSON bytes fed chunk by chunk, and cuts them into batches of
 * `batchRows` records. A record ends at a newline outside quotes (in CSV a quoted field may hold
 * newlines; `""` inside quotes is an escaped quote and leaves the state as it was). Blank lines
 * (nothing but `\r`, or in NDJSON nothing but spaces, tabs and `\r`) are not records, as the CSV
 * and JSON loaders skip them. The first CSV record is the header. Native `indexOf` finds newlines
 * and quotes, so the scan runs at memory speed.
 */
export class LineRangeScanner {
  readonly #csv: boolean
  readonly #batchRows: number
  #inQuotes = false
  /** Start of the current line in the file, and whether it has content so far. */
  #lineStart = 0
  #lineHasContent = false
  #header: { byteStart: number; byteEnd: number } | undefined
  #rows = 0
  #batchStart = -1
  #batchRowStart = 0
  readonly #batches: LineBatch[] = []

  constructor(kind: 'csv' | 'ndjson', batchRows: number) {
    this.#csv = kind === 'csv'
    this.#batchRows = batchRows
  }

  /** Scans the next `chunk`, which starts at byte `chunkStart` of the file. */
  push(chunk: Uint8Array, chunkStart: number): void {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let pos = 0
    const n = buf.length
    while (pos < n) {
      if (this.#inQuotes) {
        const q = buf.indexOf(QUOTE, pos)
        if (q === -1) {
          this.#lineHasContent = true
          return
        }
        this.#inQuotes = false
        this.#lineHasContent = true
        pos = q + 1
        continue
      }
      const nl = buf.indexOf(LF, pos)
      if (this.#csv) {
        const q = buf.indexOf(QUOTE, pos)
        if (q !== -1 && (nl === -1 || q < nl)) {
          this.#inQuotes = true
          this.#lineHasContent = true
          pos = q + 1
          continue
        }
      }
      const stop = nl === -1 ? n : nl
      if (!this.#lineHasContent) this.#lineHasContent = hasContent(buf, pos, stop, this.#csv)
      if (nl === -1) return
      this.#endLine(chunkStart + nl + 1)
      pos = nl + 1
    }
  }

  /** Ends the scan at `byteLength` (a last line without a newline is a record too). */
  finish(byteLength: number): LineRanges {
    if (this.#inQuotes) this.#lineHasContent = true
    if (this.#lineStart < byteLength) this.#endLine(byteLength)
    this.#closeBatch(byteLength)
    return { header: this.#header, numRows: this.#rows, batches: this.#batches }
  }

  #endLine(end: number): void {
    const start = this.#lineStart
    this.#lineStart = end
    if (!this.#lineHasContent) return
    this.#lineHasContent = false
    if (this.#csv && this.#header === undefined) {
      this.#header = { byteStart: start, byteEnd: end }
      return
    }
    if (this.#batchStart === -1) {
      this.#batchStart = start
      this.#batchRowStart = this.#rows
    }
    this.#rows++
    if (this.#rows - this.#batchRowStart === this.#batchRows) this.#closeBatch(end)
  }

  #closeBatch(end: number): void {
    if (this.#batchStart === -1) return
    this.#batches.push({
      rowStart: this.#batchRowStart,
      rowEnd: this.#rows,
      byteStart: this.#batchStart,
      byteEnd: end,
    })
    this.#batchStart = -1
  }
}

/** True when `buf[from, to)` holds more than blank-line bytes. */
function hasContent(buf: Uint8Array, from: number, to: number, csv: boolean): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i] as number
    if (b === CR) continue
    if (!csv && (b === 0x20 || b === 0x09)) continue
    return true
  }
  return false
}
