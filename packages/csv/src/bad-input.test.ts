import { FormatError, NotFoundError, type SdError } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import type { CsvOptions } from './options.js'
import { openFds, tempDir } from './test-support/files.js'

const tmp = tempDir()
afterAll(() => tmp.remove())

async function failure(path: string, options: CsvOptions = {}): Promise<SdError> {
  const error = await loadCsv(path, options)
    .toArray()
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  if (!error) throw new Error(`reading ${path} did not fail`)
  return error as SdError
}

/** Offset of the start of 1-based `line` in `text` (as UTF-8 bytes). */
function lineStart(text: string | Buffer, line: number): number {
  const bytes = Buffer.from(text)
  let offset = 0
  for (let l = 1; l < line; l++) offset = bytes.indexOf(10, offset) + 1
  return offset
}

const good = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `${from + i},v${from + i}`).join('\n')

describe('bad input', () => {
  it('ragged row: an error naming line and byte, or a skip that is counted', async () => {
    const text = `id,name\n${good(3)}\n3,v3,extra\n${good(2, 4)}\n7\n`
    const path = tmp.write('ragged.csv', text)
    const error = await failure(path)
    expect(error).toBeInstanceOf(FormatError)
    expect(error.code).toBe('CSV_RAGGED_ROW')
    expect(error.location).toMatchObject({ file: path, line: 5, byte: lineStart(text, 5), row: 3 })
    expect(error.message).toMatch(/Expected 2 fields.*got 3/)

    const skipped: SdError[] = []
    const ds = loadCsv(path, { onBadRecord: 'skip', onSkip: (e) => skipped.push(e), batchSize: 2 })
    expect((await ds.toArray()).map((r) => r.id)).toEqual([0, 1, 2, 4, 5])
    expect(ds.getStats().skippedRecords).toBe(2)
    expect(skipped.map((e) => [e.code, e.location?.line])).toEqual([
      ['CSV_RAGGED_ROW', 5],
      ['CSV_RAGGED_ROW', 8],
    ])

    // like totalRecords, the count adds up every pass that read the file
    const uncached = loadCsv(path, { onBadRecord: 'skip', batchSize: 2, cacheEnabled: false })
    await uncached.count()
    await uncached.map((b) => b).count()
    expect(uncached.getStats().skippedRecords).toBe(4)
    expect(uncached.getStats().throughput?.totalRecords).toBe(10)
  })

  it('unclosed quote: an error at the line where the field opens, or a counted skip', async () => {
    const text = `id,name\n${good(3)}\n3,"never closed\n4,v4\n`
    const path = tmp.write('unclosed.csv', text)
    const error = await failure(path)
    expect(error.code).toBe('CSV_UNCLOSED_QUOTE')
    expect(error.location).toMatchObject({ file: path, line: 5, byte: lineStart(text, 5) })

    const ds = loadCsv(path, { onBadRecord: 'skip' })
    expect((await ds.toArray()).map((r) => r.id)).toEqual([0, 1, 2])
    expect(ds.getStats().skippedRecords).toBe(1)
  })

  it('stray quotes: CSV_INVALID_QUOTE, or skipped', async () => {
    const path = tmp.write('stray.csv', `id,name\n0,v0\n1,ab"c\n2,v2\n`)
    const error = await failure(path)
    expect(error.code).toBe('CSV_INVALID_QUOTE')
    expect(error.location).toMatchObject({ line: 3 })
    const ds = loadCsv(path, { onBadRecord: 'skip' })
    expect((await ds.toArray()).map((r) => r.id)).toEqual([0, 2])
    expect(ds.getStats().skippedRecords).toBe(1)
  })

  it('invalid UTF-8: an error at the offending byte, or the record skipped, at any chunk size', async () => {
    const before = Buffer.from(`id,name\n${good(3)}\n3,caf`)
    const bytes = Buffer.concat([before, Buffer.from([0xe9]), Buffer.from(`\n${good(2, 4)}\n`)])
    const path = tmp.write('latin1.csv', bytes)
    for (const chunkBytes of [1, 3, 64, 1 << 20]) {
      const error = await failure(path, { chunkBytes })
      expect(error.code).toBe('INVALID_UTF8')
      expect(error.location).toMatchObject({ file: path, line: 5, byte: before.length, row: 3 })
      expect(error.message).toContain('0xe9')
      const ds = loadCsv(path, { onBadRecord: 'skip', chunkBytes })
      expect((await ds.toArray()).map((r) => r.name)).toEqual(['v0', 'v1', 'v2', 'v4', 'v5'])
      expect(ds.getStats().skippedRecords).toBe(1)
    }
  })

  it('keeps valid multi-byte characters split across chunks', async () => {
    const names = ['café', '日本語', '😀😀', 'Ωmega']
    const path = tmp.write('utf8.csv', `id,name\n${names.map((n, i) => `${i},${n}`).join('\n')}\n`)
    for (const chunkBytes of [1, 2, 5]) {
      expect((await loadCsv(path, { chunkBytes }).toArray()).map((r) => r.name)).toEqual(names)
    }
  })

  it('an unclosed quote early in a large file stops at maxRecordBytes instead of buffering the file', async () => {
    const path = tmp.write('runaway.csv', `id,name\n0,"open\n${good(2000, 1)}\n`)
    for (const onBadRecord of ['error', 'skip'] as const) {
      const error = await failure(path, { maxRecordBytes: 1000, onBadRecord })
      expect(error.code).toBe('RECORD_TOO_LARGE')
    }
  })

  it('missing file: NotFoundError naming the file', async () => {
    const path = `${tmp.dir}/does-not-exist.csv`
    const error = await failure(path)
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.message).toContain(path)
    await expect(loadCsv(path).schema()).rejects.toBeInstanceOf(NotFoundError)
  })

  it('empty file: an empty schema and no batches', async () => {
    const ds = loadCsv(tmp.write('empty.csv', ''))
    expect(await ds.schema()).toEqual([])
    let batches = 0
    for await (const _ of ds) batches++
    expect(batches).toBe(0)
    expect((await ds.collect()).numRows).toBe(0)
  })

  it('corrupt gzip: GZIP_CORRUPT, and the file is closed', async () => {
    const fds = openFds()
    const path = tmp.write('bad.csv.gz', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    const error = await failure(path)
    expect(error.code).toBe('GZIP_CORRUPT')
    expect(openFds()).toBe(fds)
  })

  it('a header with invalid UTF-8 is an error even when skipping', async () => {
    const path = tmp.write(
      'bad-header.csv',
      Buffer.concat([Buffer.from('id,n'), Buffer.from([0xff]), Buffer.from('\n1,2\n')]),
    )
    const error = await failure(path, { onBadRecord: 'skip' })
    expect(error.code).toBe('INVALID_UTF8')
    expect(error.location).toMatchObject({ line: 1, byte: 4 })
  })

  it('refuses bad options with a ValidationError naming the option', () => {
    expect(() => loadCsv('x.csv', { delimiter: '' })).toThrow(/delimiter/)
    expect(() => loadCsv('x.csv', { delimiter: '\n' })).toThrow(/delimiter/)
    expect(() => loadCsv('x.csv', { quote: ',' })).toThrow(/quote/)
    expect(() => loadCsv('x.csv', { onBadRecord: 'ignore' as never })).toThrow(/onBadRecord/)
    expect(() => loadCsv('x.csv', { columnTypes: { a: 'date' as never } })).toThrow(/columnTypes.a/)
    expect(() => loadCsv('x.csv', { headerNames: ['a', 'a'] })).toThrow(/twice/)
  })
})
