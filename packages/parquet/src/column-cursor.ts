import { crc32 } from 'node:zlib'
import { type ErrorLocation, FormatError, isSdError, UnsupportedError } from '@sd/core'
import type { DecodedArray, PageHeader } from 'hyparquet'
import { parquetHeader, readPage } from 'hyparquet/src/column.js'
import { convert } from 'hyparquet/src/convert.js'
import type { ChunkBytes } from './chunk-bytes.js'
import { concatDecoded } from './decoded.js'
import { DecodedPage, lazyPage, type PageRows, type Stash } from './page-decoder.js'

/** What hyparquet's page reader needs to know about a column. */
export type ColumnDecoder = Parameters<typeof readPage>[2]

/** Bytes asked for before a page header is parsed; a larger header asks again. */
const HEADER_GUESS = 16 * 1024
/** A page claiming more than this uncompressed is corrupt, not a page worth allocating. */
const MAX_PAGE_BYTES = 1 << 30

/**
 * Decodes one flat column chunk page by page, handing out exactly the rows asked for. Only one
 * decoded page is held at a time, so a row group of any size streams in bounded memory, and
 * every page is decoded once however the rows are cut into batches.
 */
export class FlatColumnCursor {
  readonly #bytes: ChunkBytes
  readonly #decoder: ColumnDecoder
  readonly #location: ErrorLocation
  readonly #rows: number
  readonly #nullable: boolean
  #pos: number
  #dictionary: DecodedArray | undefined
  #page: PageRows | undefined
  #pageStart = 0
  /** Reused page memory (see {@link Stash}). */
  #scratch = new Uint8Array(0)
  #delivered = 0

  /** `rows` is the row group's row count, which the pages must add up to. */
  constructor(bytes: ChunkBytes, decoder: ColumnDecoder, rows: number, location: ErrorLocation) {
    this.#bytes = bytes
    this.#decoder = decoder
    this.#rows = rows
    this.#location = location
    this.#pos = bytes.start
    this.#nullable = decoder.element.repetition_type !== 'REQUIRED'
  }

  /** The next `n` rows of the column. */
  async take(n: number): Promise<DecodedArray> {
    const parts: DecodedArray[] = []
    let need = n
    while (need > 0) {
      let page = this.#page
      if (page === undefined || page.remaining === 0) {
        page = await this.#nextPage()
        this.#page = page
      }
      const k = Math.min(need, page.remaining)
      try {
        parts.push(page.take(k))
      } catch (err) {
        throw pageError(err, { ...this.#location, byte: this.#pageStart })
      }
      need -= k
    }
    this.#delivered += n
    return parts.length === 1 ? (parts[0] as DecodedArray) : concatDecoded(parts)
  }

  /** Drops the buffers (the pass ended or moved on). */
  release(): void {
    this.#page = undefined
    this.#dictionary = undefined
    this.#scratch = new Uint8Array(0)
    this.#bytes.release()
  }

  readonly #stash: Stash = (levels, values) => {
    const total = levels.length + values.length
    if (this.#scratch.length < total)
      this.#scratch = new Uint8Array(Math.max(total, Math.ceil(this.#scratch.length * 1.5)))
    const scratch = this.#scratch
    scratch.set(levels, 0)
    scratch.set(values, levels.length)
    return [scratch.subarray(0, levels.length), scratch.subarray(levels.length, total)]
  }

  async #nextPage(): Promise<PageRows> {
    const bytes = this.#bytes
    for (;;) {
      const pageStart = this.#pos
      this.#pageStart = pageStart
      if (pageStart >= bytes.end) {
        throw new FormatError(
          `Column chunk ended before row ${this.#delivered + 1} of ${this.#rows}: it is truncated or corrupt`,
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
        if (header.crc !== undefined) checkCrc(bytes.buffer.subarray(offset, offset + size), header.crc)
        const reader = { view: bytes.view, offset }
        this.#pos = dataStart + size
        if (header.type === 'DICTIONARY_PAGE') {
          const { data } = readPage(reader, header, this.#decoder, undefined, undefined, 0)
          if (data) this.#dictionary = convert(data, this.#decoder)
          continue
        }
        if (header.type !== 'DATA_PAGE' && header.type !== 'DATA_PAGE_V2') continue
        const expected = header.data_page_header_v2?.num_rows ?? header.data_page_header?.num_values ?? 0
        if (!(expected >= 0)) throw new Error(`page header promises ${expected} rows`)
        if (expected === 0) continue
        const compressed = bytes.buffer.subarray(offset, offset + size)
        const lazy = lazyPage(
          header,
          compressed,
          this.#decoder,
          this.#nullable,
          this.#dictionary,
          this.#stash,
        )
        if (lazy) {
          // the page is in the scratch memory now: its file bytes can go
          bytes.discardBefore(this.#pos)
          return lazy
        }
        const { data } = readPage(reader, header, this.#decoder, this.#dictionary, undefined, 0)
        const length = data?.length ?? 0
        if (length !== expected) {
          throw new Error(`page decoded to ${length} values where its header promises ${expected}`)
        }
        return new DecodedPage(data as DecodedArray)
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
        header = parquetHeader(reader)
      } catch (err) {
        // a header longer than the guess reads past the buffer: ask for more, unless that was all
        if (err instanceof RangeError && bytes.bufferEnd < bytes.end) {
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

/** An error decoding a page: unsupported features stay {@link UnsupportedError}s, the rest is corruption. */
export function pageError(err: unknown, location: ErrorLocation): Error {
  if (isSdError(err)) return err
  const detail = err instanceof Error ? err.message : String(err)
  if (/unsupported|not supported/i.test(detail)) {
    return new UnsupportedError(`Cannot decode the page: ${detail}`, {
      code: 'PARQUET_UNSUPPORTED',
      cause: err,
      location,
    })
  }
  return new FormatError(`Expected a valid Parquet page, could not decode it: ${detail}`, {
    code: 'PARQUET_CORRUPT_PAGE',
    cause: err,
    location,
  })
}
