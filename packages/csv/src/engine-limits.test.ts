import { Readable } from 'node:stream'
import type { SdError } from '@sd/core'
import { describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import type { CsvEngine, CsvOptions } from './options.js'

interface Result {
  rows: unknown[]
  error: { code: string | undefined; location: unknown } | undefined
  skipped: number
}

/** Reads `text` with `engine`, fed in chunks of `chunk` bytes. */
async function read(text: string | Uint8Array, engine: CsvEngine, chunk: number, options: CsvOptions = {}) {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text
  const pieces: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk))
  const rows: unknown[] = []
  const ds = loadCsv(Readable.from(pieces), { ...options, engine })
  let error: Result['error']
  try {
    for await (const batch of ds) rows.push(...batch.rows())
  } catch (err) {
    const e = err as SdError
    error = { code: e.code, location: e.location }
  }
  return { rows, error, skipped: ds.getStats().skippedRecords } satisfies Result
}

/** The result of every engine and chunking of `text`: they must all be one. */
async function agreed(text: string | Uint8Array, options: CsvOptions = {}): Promise<Result> {
  const whole = await read(text, 'csv-parse', 1 << 20, options)
  for (const engine of ['fast', 'csv-parse'] as const)
    for (const chunk of [1, 2, 3, 5, 7, 16, 1 << 20])
      expect(await read(text, engine, chunk, options), `${engine}, chunks of ${chunk}`).toEqual(whole)
  return whole
}

describe('maxRecordBytes is counted in bytes by both engines', () => {
  // 2 + 3 + 3 ASCII bytes and 3 three-byte characters: 8 characters, 17 bytes
  const text = 'a,b\n1,xyz\n2,日本語\n3,ok\n'
  const third = Buffer.byteLength('a,b\n1,xyz\n')

  it('a record of few characters but more bytes than the limit is too large, at its first byte', async () => {
    const result = await agreed(text, { maxRecordBytes: 8 })
    expect(result.error).toEqual({
      code: 'RECORD_TOO_LARGE',
      location: { file: '<stream>', line: 3, byte: third, row: 1 },
    })
    expect(result.rows).toEqual([{ a: 1, b: 'xyz' }])
  })

  it('a record of exactly the limit passes; one byte less fails', async () => {
    // '2,日本語' is 11 bytes
    expect((await agreed(text, { maxRecordBytes: 11 })).rows).toHaveLength(3)
    expect((await agreed(text, { maxRecordBytes: 10 })).error?.code).toBe('RECORD_TOO_LARGE')
  })

  it('the delimiters of many fields count as bytes', async () => {
    const wide = `${Array.from({ length: 20 }, (_, i) => `c${i}`).join(',')}\n${','.repeat(19)}\n`
    // the header line holds 20 names of 2-3 bytes and 19 commas: 69 bytes; the empty record 19
    expect((await agreed(wide, { maxRecordBytes: 69, cast: false })).rows).toHaveLength(1)
    const small = await agreed(wide, { maxRecordBytes: 68, cast: false })
    expect(small.error).toEqual({
      code: 'RECORD_TOO_LARGE',
      location: { file: '<stream>', line: 1, byte: 0 },
    })
  })

  it('a fault past the limit makes the record too large; one within it is reported as itself', async () => {
    // the quote inside the unquoted field is byte 8 of its record (0-based)
    const bad = 'a,b\n1,abcdef"g\n'
    expect((await agreed(bad, { maxRecordBytes: 9 })).error?.code).toBe('CSV_INVALID_QUOTE')
    expect((await agreed(bad, { maxRecordBytes: 8 })).error?.code).toBe('RECORD_TOO_LARGE')
  })

  it('a quote left open to the end is too large past the limit, unclosed within it', async () => {
    const open = 'a,b\n1,"abcdef\n'
    // the open record runs from byte 4 to the end: 10 bytes
    expect((await agreed(open, { maxRecordBytes: 10 })).error?.code).toBe('CSV_UNCLOSED_QUOTE')
    expect((await agreed(open, { maxRecordBytes: 9 })).error).toEqual({
      code: 'RECORD_TOO_LARGE',
      location: { file: '<stream>', line: 2, byte: 4, row: 0 },
    })
  })

  it('under onBadRecord skip, size wins over a fault the record also has', async () => {
    const bad = 'a,b\n1,x"y\n2,abcdefghij"k\n3,z\n'
    const skipped = await agreed(bad, { maxRecordBytes: 8, onBadRecord: 'skip' })
    expect(skipped.error?.code).toBe('RECORD_TOO_LARGE')
    expect(skipped.rows).toEqual([])
    const kept = await agreed(bad, { maxRecordBytes: 20, onBadRecord: 'skip' })
    expect(kept.rows).toEqual([{ a: 3, b: 'z' }])
    expect(kept.skipped).toBe(2)
  })
})

describe('text after a closing quote', () => {
  it('a NUL byte after a closing quote is malformed quoting in both engines', async () => {
    const nul = Buffer.from('a,b\n"x"\0,y\n1,2\n', 'latin1')
    const result = await agreed(nul)
    expect(result.error).toEqual({
      code: 'CSV_INVALID_QUOTE',
      location: { file: '<stream>', line: 2, byte: 4, row: 0 },
    })
    // skipped, the quote is text and the field stays quoted, as after any other misplaced quote,
    // up to a quote that closes it
    const skipped = await agreed(Buffer.from('a,b\n"x"\0y",z\n1,2\n', 'latin1'), { onBadRecord: 'skip' })
    expect(skipped.rows).toEqual([{ a: 1, b: 2 }])
    expect(skipped.skipped).toBe(1)
  })

  it('a NUL inside quotes, or after an escaped quote, is text', async () => {
    const text = Buffer.from('a,b\n"x\0""\0",y\n', 'latin1')
    expect((await agreed(text)).rows).toEqual([{ a: 'x\0"\0', b: 'y' }])
  })
})
