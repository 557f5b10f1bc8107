import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FormatError, NotFoundError, SdError, UnsupportedError, ValidationError } from '@sd/core'
import { parquetMetadata } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import { parquetWriteFile } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import { openFds, tempDir, writeHyparquet } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
const file = (name: string) => join(dir, name)

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await writeHyparquet(file('good.parquet'), 5000, [1000])
  const good = readFileSync(file('good.parquet'))
  writeFileSync(file('empty.parquet'), '')
  writeFileSync(file('truncated.parquet'), good.subarray(0, good.length - 100))
  writeFileSync(file('text.parquet'), 'id,value\n1,2\n')
  // garbage over the first page header of column "value" in row group 2
  const meta = parquetMetadata(
    good.buffer.slice(good.byteOffset, good.byteOffset + good.length) as ArrayBuffer,
  )
  const chunk = meta.row_groups[2]?.columns[1]?.meta_data
  const header = Number(chunk?.dictionary_page_offset || chunk?.data_page_offset)
  const badHeader = Buffer.from(good)
  badHeader.fill(0xff, header, header + 24)
  writeFileSync(file('bad-header.parquet'), badHeader)
  // a SNAPPY page body whose length preamble lies (row group 3, column "id"): without page
  // checksums only such structural damage is detectable
  const idChunk = meta.row_groups[3]?.columns[0]?.meta_data
  const reader = {
    view: new DataView(good.buffer, good.byteOffset, good.length),
    offset: Number(idChunk?.data_page_offset),
  }
  parquetHeader(reader)
  const badBody = Buffer.from(good)
  badBody.fill(0x01, reader.offset, reader.offset + 3)
  writeFileSync(file('bad-body.parquet'), badBody)
  // hyparquet-writer writes any codec it is given a function for: LZO, which no reader here decodes
  parquetWriteFile({
    filename: file('lzo.parquet'),
    compressors: { LZO: (input: Uint8Array) => input },
    columnData: [
      { name: 'ok', data: Int32Array.of(1, 2, 3), type: 'INT32', nullable: false },
      { name: 'packed', data: Int32Array.of(4, 5, 6), type: 'INT32', nullable: false, codec: 'LZO' },
    ],
  })
})
afterAll(() => cleanup())

/** The error of reading `path` to the end (or of opening it). */
async function failure(path: string, options = {}): Promise<SdError> {
  const err = await loadParquet(path, options)
    .count()
    .catch((e: unknown) => e)
  expect(err).toBeInstanceOf(SdError)
  return err as SdError
}

describe('bad input', () => {
  it('a missing file: NotFoundError naming it', async () => {
    const err = await failure(file('nope.parquet'))
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err.message).toContain(file('nope.parquet'))
  })

  it('a 0-byte file: FormatError at open', async () => {
    const err = await new ParquetStreamingLoader(file('empty.parquet')).open().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FormatError)
    expect((err as FormatError).code).toBe('PARQUET_EMPTY_FILE')
    expect((err as Error).message).toContain(file('empty.parquet'))
  })

  it('a truncated file: FormatError at open, saying the trailer is missing', async () => {
    const err = await failure(file('truncated.parquet'))
    expect(err).toBeInstanceOf(FormatError)
    expect(err.code).toBe('PARQUET_BAD_MAGIC')
    expect(err.message).toMatch(/truncated/)
    expect(err.location?.file).toBe(file('truncated.parquet'))
  })

  it('a file that is not Parquet at all', async () => {
    const err = await failure(file('text.parquet'))
    expect(err).toBeInstanceOf(FormatError)
    expect(err.location?.file).toBe(file('text.parquet'))
  })

  it('a corrupted page header: FormatError at the batch that reads it, naming row group and column', async () => {
    const before = await openFds()
    const sizes: number[] = []
    const err = await (async () => {
      for await (const batch of loadParquet(file('bad-header.parquet'), {
        batchSize: 1000,
        prefetchBatches: 0,
      }))
        sizes.push(batch.numRows)
    })().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FormatError)
    expect((err as FormatError).code).toBe('PARQUET_CORRUPT_PAGE')
    expect((err as FormatError).location).toMatchObject({
      file: file('bad-header.parquet'),
      rowGroup: 2,
      column: 'value',
    })
    // the row groups before it arrived; the file is closed
    expect(sizes).toEqual([1000, 1000])
    expect(await openFds()).toBe(before)
  })

  it('a corrupted compressed page body: FormatError naming row group and column', async () => {
    const err = await failure(file('bad-body.parquet'))
    expect(err).toBeInstanceOf(FormatError)
    expect(err.location).toMatchObject({ file: file('bad-body.parquet'), rowGroup: 3, column: 'id' })
  })

  it('an unknown column name: ValidationError at open listing the columns', async () => {
    const err = await failure(file('good.parquet'), { columns: ['id', 'nope'] })
    expect(err).toBeInstanceOf(ValidationError)
    expect(err.code).toBe('UNKNOWN_COLUMN')
    expect(err.message).toContain('nope')
    expect(err.message).toContain('id, value, label, flag')
    expect(err.location).toMatchObject({ file: file('good.parquet'), column: 'nope' })
  })

  it('an unsupported codec: UnsupportedError at open naming file, row group and column', async () => {
    const err = await failure(file('lzo.parquet'))
    expect(err).toBeInstanceOf(UnsupportedError)
    expect(err.code).toBe('PARQUET_UNSUPPORTED_CODEC')
    expect(err.message).toContain('LZO')
    expect(err.location).toMatchObject({ file: file('lzo.parquet'), rowGroup: 0, column: 'packed' })
    // the other column reads fine
    expect(await loadParquet(file('lzo.parquet'), { columns: ['ok'] }).toArray()).toEqual([
      { ok: 1 },
      { ok: 2 },
      { ok: 3 },
    ])
  })

  it('bad options: ValidationError at construction', () => {
    expect(() => new ParquetStreamingLoader(file('good.parquet'), { rowFormat: 'rows' as 'object' })).toThrow(
      ValidationError,
    )
    expect(() => new ParquetStreamingLoader([])).toThrow(ValidationError)
    expect(() => new ParquetStreamingLoader(file('good.parquet'), { columns: ['id', 'id'] })).toThrow(
      ValidationError,
    )
  })
})
