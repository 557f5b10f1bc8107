import { crc32 } from 'node:zlib'
import { FormatError } from '@sd/core'
import type { SchemaTree } from 'hyparquet'
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js'
import { ByteWriter } from 'hyparquet-writer'
import { writePageHeader } from 'hyparquet-writer/src/datapage.js'
import { describe, expect, it } from 'vitest'
import type { ByteSource } from './byte-source.js'
import { ChunkBytes } from './chunk-bytes.js'
import { type ColumnDecoder, FlatColumnCursor } from './column-cursor.js'

/** A column chunk of UNCOMPRESSED PLAIN INT32 pages written by hand, each with its CRC32. */
function chunk(pages: number[][]): Uint8Array {
  const writer = new ByteWriter()
  for (const values of pages) {
    const data = new Uint8Array(Int32Array.from(values).buffer)
    writePageHeader(writer, {
      type: 'DATA_PAGE',
      uncompressed_page_size: data.length,
      compressed_page_size: data.length,
      crc: crc32(data) | 0,
      data_page_header: {
        num_values: values.length,
        encoding: 'PLAIN',
        definition_level_encoding: 'RLE',
        repetition_level_encoding: 'RLE',
      },
    })
    writer.appendBytes(data)
  }
  return writer.getBytes().slice()
}

function cursor(bytes: Uint8Array, rows: number): FlatColumnCursor {
  const source: ByteSource = {
    name: 'mem',
    byteLength: bytes.length,
    read: async (s, e) => bytes.slice(s, e),
  }
  const element = { name: 'x', type: 'INT32', repetition_type: 'REQUIRED' } as const
  const leaf: SchemaTree = { element, children: [], count: 1, path: ['x'] }
  const root: SchemaTree = {
    element: { name: 'root', num_children: 1 },
    children: [leaf],
    count: 2,
    path: [],
  }
  const decoder: ColumnDecoder = {
    pathInSchema: ['x'],
    element,
    schemaPath: [root, leaf],
    type: 'INT32',
    codec: 'UNCOMPRESSED',
    parsers: DEFAULT_PARSERS,
  }
  const window = 16
  return new FlatColumnCursor(
    new ChunkBytes(source, 0, bytes.length, { window, local: true }),
    decoder,
    rows,
    {
      file: 'mem',
      rowGroup: 0,
      column: 'x',
    },
  )
}

describe('FlatColumnCursor', () => {
  it('hands out exact row counts across pages, through windows smaller than a page', async () => {
    const c = cursor(
      chunk([
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9, 10, 11],
      ]),
      12,
    )
    expect(await c.take(3)).toEqual(Int32Array.of(0, 1, 2))
    expect(await c.take(7)).toEqual(Int32Array.of(3, 4, 5, 6, 7, 8, 9))
    expect(await c.take(2)).toEqual(Int32Array.of(10, 11))
  })

  it('checks page CRCs: a changed byte is a corrupt page at its offset', async () => {
    const bytes = chunk([
      [0, 1, 2],
      [3, 4, 5],
    ])
    const secondPage = bytes.length / 2
    bytes[bytes.length - 2] = 99
    const c = cursor(bytes, 6)
    expect(await c.take(3)).toEqual(Int32Array.of(0, 1, 2))
    const err = await c.take(3).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FormatError)
    expect((err as FormatError).message).toMatch(/checksum/)
    expect((err as FormatError).location).toMatchObject({
      file: 'mem',
      rowGroup: 0,
      column: 'x',
      byte: secondPage,
    })
  })

  it('fails when the chunk ends before the row group does', async () => {
    const c = cursor(chunk([[1, 2]]), 5)
    expect(await c.take(2)).toEqual(Int32Array.of(1, 2))
    await expect(c.take(3)).rejects.toMatchObject({ code: 'PARQUET_SHORT_COLUMN' })
  })
})
