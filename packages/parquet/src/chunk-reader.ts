import { crc32 } from 'node:zlib'
import { type ColumnData, type ErrorLocation, FormatError } from '@sd/core'
import type { PageHeader } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import type { ChunkBytes } from './chunk-bytes.js'
import type { ColumnOut, FlatColumnSpec } from './column-info.js'
import type { ColumnPages, PageLocation } from './group-task.js'
import { type DataPage, type Dictionary, readDataPage, readDictionary } from './page.js'
import { givePageBuffer, takePageBuffer } from './page-buffers.js'
import { pageError } from './page-error.js'
import { setBits } from './rle.js'
import { checkThrift, PAGE_HEADER } from './thrift-check.js'

/** Bytes asked for before a page header is parsed; a larger header asks again. */
const HEADER_GUESS = 16 * 1024
/** A page claiming more than this uncompressed is corrupt, not a page worth allocating. */
const MAX_PAGE_BYTES = 1 << 30

/**
 * Decodes one flat column chunk page by page, handing out exactly the rows asked for, in sd's
 * Arrow layout. One decompressed page is held at a time (two when a batch spans them), so a row
 * group of any size streams in bounded memory, and every page is decoded once however the rows
 * are cut into batches. Page headers are checked against the chunk: sizes inside it, rows adding
 * up to the row group's, dictionary pages before the pages that need them.
 */
export class ChunkReader {
  readonly #bytes: ChunkBytes
  readonly #spec: FlatColumnSpec
  readonly #location: ErrorLocation
  readonly #rows: number
  #pos: number
  #dictionary: Dictionary | undefined
  #page: DataPage | undefined
  /** Rows of the current page not yet taken. */
  #left = 0
  #pageStart = 0
  /** Rows of the data pages read so far. */
  #pageRows = 0
  #delivered = 0
  #pages = 0
  /** Nulls the chunk's statistics promise (`undefined`: not told). */
  readonly #nullCount: number | undefined
  #nulls = 0
  /** A read pruned by the page index: the pages, and the row ranges to hand out. */
  readonly #index: ColumnPages | undefined
  readonly #ranges: readonly number[] | undefined
  /** Index into `#ranges` of the current range's start. */
  #range = 0
  /** Row of the row group the next row handed out comes from (pruned reads). */
  #row = 0
  /** First row after the current page (pruned reads). */
  #pageEnd = 0
  /** Row of the row group the current page reads next (pruned reads). */
  #cursor = 0
  #preludeRead = false
  /** The reusable memory pages are decompressed into (see page-buffers.ts). */
  #buffer: Uint8Array | undefined
  readonly #pageBuffer = (size: number): Uint8Array => {
    let buffer = this.#buffer
    if (!buffer || buffer.length < size) {
      if (buffer) givePageBuffer(buffer)
      buffer = takePageBuffer(size)
      this.#buffer = buffer
    }
    return buffer
  }

  /**
   * `rows` is the row group's row count, which the pages must add up to; `nullCount` the chunk's
   * null count from its statistics, when the writer kept one. A nullable chunk whose statistics
   * say it has no nulls is read without its definition levels (as DuckDB reads it); one that has
   * nulls must have exactly as many as its statistics say.
   */
  constructor(
    bytes: ChunkBytes,
    spec: FlatColumnSpec,
    rows: number,
    location: ErrorLocation,
    nullCount?: number | undefined,
    selection?: { pages: ColumnPages; ranges: readonly number[] } | undefined,
  ) {
    this.#bytes = bytes
    this.#spec = spec
    this.#rows = rows
    this.#location = location
    this.#pos = bytes.start
    this.#nullCount = nullCount
    this.#index = selection?.pages
    this.#ranges = selection?.ranges
    this.#row = selection?.ranges[0] ?? 0
  }

  /** Data pages decoded so far. */
  get pagesRead(): number {
    return this.#pages
  }

  /** Whether this chunk's rows need validity bits (nullable, and its statistics do not rule nulls out). */
  get nullable(): boolean {
    return this.#spec.ctx.nullable && this.#nullCount !== 0
  }

  /** An output for `n` rows of this column (it may be filled from several row groups' chunks). */
  makeOut(n: number): ColumnOut {
    return this.#spec.makeOut(n, this.nullable)
  }

  /** The next `n` rows of the column. */
  async take(n: number): Promise<ColumnData> {
    const out = this.makeOut(n)
    await this.fill(out, 0, n)
    return this.finish(out)
  }

  /** Decodes the next `n` rows of the column into rows `[at, at + n)` of `out`. */
  async fill(out: ColumnOut, at: number, n: number): Promise<void> {
    const nullable = this.nullable
    if (nullable && !out.validity) out.addValidity(at)
    const before = out.nulls
    let pos = at
    const stop = at + n
    while (pos < stop) {
      let page = this.#page
      if (page === undefined || this.#left === 0)
        page = this.#ranges ? await this.#seek(nullable) : await this.#nextPage()
      const m = Math.min(stop - pos, this.#left)
      this.#readInto(page, out, pos, m)
      this.#left -= m
      this.#row += m
      this.#cursor += m
      pos += m
    }
    this.#delivered += n
    this.#nulls += out.nulls - before
    // a pruned read sees only some pages: their nulls cannot add up to the chunk's
    if (this.#nullCount !== undefined && this.#nullCount > 0 && !this.#ranges) {
      const left = this.#rows - this.#delivered
      if (this.#nulls > this.#nullCount || (left === 0 && this.#nulls !== this.#nullCount)) {
        throw pageError(
          new Error(
            `definition levels hold ${this.#nulls} nulls or more where the chunk's statistics say ${this.#nullCount}`,
          ),
          { ...this.#location, byte: this.#pageStart },
        )
      }
    }
  }

  /** The batch column of a filled output. */
  finish(out: ColumnOut): ColumnData {
    try {
      return this.#spec.finish(out)
    } catch (err) {
      throw pageError(err, { ...this.#location, byte: this.#pageStart })
    }
  }

  /** Rows `[pos, pos + m)` of `out` from the current page. */
  #readInto(page: DataPage, out: ColumnOut, pos: number, m: number): void {
    try {
      let k = m
      const validity = out.validity
      if (validity) {
        if (page.defs) k = page.defs.readBits(validity, pos, m)
        else setBits(validity, pos, m)
        out.nulls += m - k
      }
      page.values.read(out as never, pos, m, k)
    } catch (err) {
      throw pageError(err, { ...this.#location, byte: this.#pageStart })
    }
  }

  /**
   * A pruned read: makes the current page the one holding row `#row` (the next row of the kept
   * ranges), reading it where the OffsetIndex puts it and skipping its rows before `#row`.
   */
  async #seek(nullable: boolean): Promise<DataPage> {
    const ranges = this.#ranges as readonly number[]
    const pages = this.#index as ColumnPages
    if (this.#row >= (ranges[this.#range + 1] as number)) {
      this.#range += 2
      if (this.#range >= ranges.length) {
        throw pageError(new Error('more rows asked for than the kept ranges hold'), this.#location)
      }
      this.#row = ranges[this.#range] as number
    }
    const rangeEnd = ranges[this.#range + 1] as number
    if (!this.#page || this.#row >= this.#pageEnd) {
      if (!this.#preludeRead) {
        this.#preludeRead = true
        // the dictionary page (and any index page) before the first data page
        if (pages.prelude) {
          this.#pos = pages.prelude.start
          const page = await this.#nextPage(pages.prelude.end)
          if (page)
            throw pageError(
              new Error('a data page lies before the first page of the offset index'),
              this.#location,
            )
        }
      }
      let p = 0
      while (p + 1 < pages.pages.length && (pages.pages[p + 1] as PageLocation).firstRow <= this.#row) p++
      const loc = pages.pages[p] as PageLocation
      const end = p + 1 < pages.pages.length ? (pages.pages[p + 1] as PageLocation).firstRow : this.#rows
      this.#pos = loc.offset
      this.#pageRows = loc.firstRow
      const page = (await this.#nextPage(loc.offset + loc.size)) as DataPage | undefined
      if (!page || page.rows !== end - loc.firstRow || this.#pos !== loc.offset + loc.size) {
        throw pageError(
          new Error(
            `the page at byte ${loc.offset} holds ${page?.rows ?? 0} rows where the offset index says ${end - loc.firstRow}`,
          ),
          { ...this.#location, byte: loc.offset },
        )
      }
      this.#pageEnd = end
      this.#cursor = loc.firstRow
    }
    // rows of the page before the kept ones are decoded and dropped
    const skip = this.#row - this.#cursor
    if (skip > 0) this.#readInto(this.#page as DataPage, this.#spec.makeOut(skip, nullable), 0, skip)
    this.#cursor = this.#row
    this.#left = Math.min(this.#pageEnd, rangeEnd) - this.#row
    return this.#page as DataPage
  }

  /** Drops the buffers (the pass ended or moved on). */
  release(): void {
    this.#page = undefined
    this.#dictionary = undefined
    if (this.#buffer) givePageBuffer(this.#buffer)
    this.#buffer = undefined
    this.#bytes.release()
  }

  /**
   * Reads pages from `#pos` up to the next data page. With `stop` (pruned reads), pages end there:
   * the prelude may hold no data page (undefined when none came), a page read must end there.
   */
  async #nextPage(): Promise<DataPage>
  async #nextPage(stop: number): Promise<DataPage | undefined>
  async #nextPage(stop?: number): Promise<DataPage | undefined> {
    const bytes = this.#bytes
    for (;;) {
      const pageStart = this.#pos
      this.#pageStart = pageStart
      if (stop !== undefined && pageStart >= stop) return undefined
      if (pageStart >= bytes.end) {
        throw new FormatError(
          `Column chunk ended after ${this.#pageRows} of its row group's ${this.#rows} rows: it is truncated or corrupt`,
          { code: 'PARQUET_SHORT_COLUMN', location: { ...this.#location, byte: pageStart } },
        )
      }
      try {
        const header = await this.#readHeader(pageStart)
        const dataStart = this.#pos
        const size = header.compressed_page_size
        await bytes.ensure(dataStart, size)
        if (dataStart + size > bytes.bufferEnd) {
          throw new Error(`page of ${size} bytes runs past the end of its column chunk`)
        }
        const offset = dataStart - bytes.bufferStart
        const compressed = bytes.buffer.subarray(offset, offset + size)
        if (header.crc !== undefined && header.crc !== null) checkCrc(compressed, header.crc)
        this.#pos = dataStart + size
        if (header.type === 'DICTIONARY_PAGE') {
          if (this.#pageRows > 0) throw new Error('a dictionary page follows data pages')
          if (this.#dictionary) throw new Error('a second dictionary page')
          this.#dictionary = readDictionary(header, compressed, this.#spec.ctx, this.#pageBuffer)
          continue
        }
        if (header.type !== 'DATA_PAGE' && header.type !== 'DATA_PAGE_V2') {
          if (header.type !== 'INDEX_PAGE') throw new Error(`unknown page type ${String(header.type)}`)
          continue
        }
        const page = readDataPage(header, compressed, this.#spec.ctx, this.#dictionary, this.#pageBuffer)
        if (this.#pageRows + page.rows > this.#rows) {
          throw new Error(
            `pages hold ${this.#pageRows + page.rows} rows or more where the row group has ${this.#rows}`,
          )
        }
        this.#pageRows += page.rows
        if (page.rows === 0) continue
        this.#pages++
        this.#page = page
        this.#left = page.rows
        // the page lives in its own memory now (or views its window): older bytes can go
        bytes.discardBefore(this.#pos)
        return page
      } catch (err) {
        throw pageError(err, { ...this.#location, byte: pageStart })
      }
    }
  }

  async #readHeader(pageStart: number): Promise<PageHeader> {
    const bytes = this.#bytes
    let guess = HEADER_GUESS
    for (;;) {
      await bytes.ensure(pageStart, guess)
      const reader = { view: bytes.view, offset: pageStart - bytes.bufferStart }
      let header: PageHeader
      try {
        checkThrift(bytes.buffer, reader.offset, bytes.buffer.length, PAGE_HEADER)
        header = parquetHeader(reader)
      } catch (err) {
        // a header longer than the guess reads past the buffer: ask for more, unless that was all
        const short = err instanceof RangeError || /ends early|runs past/.test((err as Error).message)
        if (short && bytes.bufferEnd < bytes.limit(pageStart)) {
          guess *= 4
          continue
        }
        throw err
      }
      const size = header.compressed_page_size
      if (!(Number.isInteger(size) && size >= 0 && header.uncompressed_page_size >= 0)) {
        throw new Error(
          `page header has invalid sizes (${size} compressed, ${header.uncompressed_page_size} uncompressed)`,
        )
      }
      if (header.uncompressed_page_size > MAX_PAGE_BYTES) {
        throw new Error(`page header claims ${header.uncompressed_page_size} uncompressed bytes`)
      }
      this.#pos = pageStart + (reader.offset - (pageStart - bytes.bufferStart))
      if (this.#pos + size > bytes.end) {
        throw new Error(`page of ${size} bytes runs past the end of its column chunk`)
      }
      return header
    }
  }
}

function checkCrc(data: Uint8Array, expected: number): void {
  const actual = crc32(data) | 0
  if (actual !== (expected | 0)) {
    throw new Error(`page checksum mismatch (CRC32 ${actual >>> 0}, header says ${expected >>> 0})`)
  }
}
