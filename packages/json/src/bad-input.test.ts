import { FormatError, NotFoundError, SdError, ValidationError } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { JsonStreamingLoader } from './loader.js'
import { batchesOf, fixtures, rejection } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

const good = (i: number) => JSON.stringify({ id: i, name: `r${i}` })

/** Lines 1..n of good records with `bad` put at 1-based line `at`; returns the text and the byte where it starts. */
function withBadLine(n: number, at: number, bad: string): { text: string; byte: number } {
  const lines = Array.from({ length: n }, (_, i) => good(i + 1))
  lines.splice(at - 1, 0, bad)
  const before = `${lines.slice(0, at - 1).join('\n')}\n`
  return { text: `${lines.join('\n')}\n`, byte: Buffer.byteLength(before) }
}

describe('bad NDJSON input', () => {
  it('names the line and byte of a malformed line, or skips and counts it', async () => {
    const { text, byte } = withBadLine(20, 8, '{"id": 8, "name": }')
    const file = files.write('malformed.ndjson', text)
    const err = await rejection(loadJson(file, { batchSize: 5 }).toArray())
    expect(err).toBeInstanceOf(FormatError)
    expect(err.code).toBe('JSON_MALFORMED')
    // the byte where the line starts, or where parsing failed when JSON.parse says
    expect(err.location).toMatchObject({ file, line: 8 })
    expect(err.location?.byte).toBeGreaterThanOrEqual(byte)
    expect(err.location?.byte).toBeLessThan(byte + '{"id": 8, "name": }'.length)
    expect(err.message).toContain('line 8')

    const loader = new JsonStreamingLoader(file, { batchSize: 5, onBadRecord: 'skip' })
    const rows = await loader.toDataset().toArray()
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(loader.skippedRecords).toBe(1)
    expect(loader.getStats().skippedRecords).toBe(1)
  })

  it('finds a line that is not one object even when the lines together parse as an array of objects', async () => {
    // joined with commas these lines are 3 objects for 3 lines; read as NDJSON all 3 are malformed
    const text = `${good(1)}\n{"a":[{"b":1}\n{"c":2}]}\n{"x":1},{"y":2}\n${good(2)}\n`
    const file = files.write('adversarial.ndjson', text)
    const err = await rejection(loadJson(file).toArray())
    expect(err.code).toBe('JSON_MALFORMED')
    expect(err.location).toMatchObject({ line: 2 })
    const loader = new JsonStreamingLoader(file, { onBadRecord: 'skip' })
    expect((await loader.toDataset().toArray()).map((r) => r.id)).toEqual([1, 2])
    expect(loader.skippedRecords).toBe(3)
  })

  it('turns the character position JSON.parse reports into a byte offset', async () => {
    const { text, byte } = withBadLine(3, 2, '{"ü":"é€",}')
    const file = files.write('position.ndjson', text)
    const err = await rejection(loadJson(file).toArray())
    expect(err.code).toBe('JSON_MALFORMED')
    expect(err.location).toMatchObject({ line: 2, byte: byte + Buffer.byteLength('{"ü":"é€",') })
  })

  it('rejects a record that is not an object (array, number, string, null)', async () => {
    for (const bad of ['[1, 2]', '42', '"text"', 'null']) {
      const { text, byte } = withBadLine(3, 2, bad)
      const file = files.write('not-object.ndjson', text)
      const err = await rejection(loadJson(file).toArray())
      expect(err.code, bad).toBe('JSON_NOT_OBJECT')
      expect(err.location).toMatchObject({ line: 2, byte })
      const loader = new JsonStreamingLoader(file, { onBadRecord: 'skip' })
      expect(await loader.toDataset().count()).toBe(3)
      expect(loader.skippedRecords).toBe(1)
    }
  })

  it('finds the exact byte of invalid UTF-8, in any chunking, or skips the line', async () => {
    const head = `${good(1)}\n{"id": 2, "name": "caf`
    const bytes = Buffer.concat([
      Buffer.from(head),
      Buffer.from([0xc3, 0x28]), // a lead byte followed by a non-continuation byte
      Buffer.from(`"}\n${good(3)}\n`),
    ])
    const file = files.write('latin.ndjson', bytes)
    for (const chunkBytes of [1, 7, 1 << 20]) {
      const err = await rejection(loadJson(file, { chunkBytes }).toArray())
      expect(err.code).toBe('INVALID_UTF8')
      expect(err.location).toMatchObject({ file, line: 2, byte: Buffer.byteLength(head) })
    }
    const loader = new JsonStreamingLoader(file, { onBadRecord: 'skip' })
    expect((await loader.toDataset().toArray()).map((r) => r.id)).toEqual([1, 3])
    expect(loader.skippedRecords).toBe(1)
  })

  it('reports a missing file as NotFoundError naming it', async () => {
    const missing = files.path('nope.ndjson')
    const err = await rejection(loadJson(missing).toArray())
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err.message).toContain(missing)
  })

  it('reads an empty or blank file as no batches and an empty schema', async () => {
    for (const [name, content] of [
      ['empty.ndjson', ''],
      ['blank.ndjson', '\n\n  \r\n'],
      ['empty.json', ''],
    ] as const) {
      const file = files.write(name, content)
      const ds = loadJson(file, name.endsWith('.json') ? { format: 'array' } : {})
      expect(await batchesOf(ds)).toEqual([])
      expect(await ds.schema()).toEqual([])
    }
  })

  it('bounds a line without newline by maxRecordBytes, as an error or a skipped record', async () => {
    const long = `{"id": 0, "name": "${'x'.repeat(5000)}"}`
    const file = files.write('long.ndjson', `${good(1)}\n${long}\n${good(2)}`)
    const err = await rejection(loadJson(file, { maxRecordBytes: 1000, chunkBytes: 256 }).toArray())
    expect(err.code).toBe('RECORD_TOO_LARGE')
    expect(err.location).toMatchObject({ line: 2, byte: good(1).length + 1 })
    const loader = new JsonStreamingLoader(file, {
      maxRecordBytes: 1000,
      chunkBytes: 256,
      onBadRecord: 'skip',
    })
    expect((await loader.toDataset().toArray()).map((r) => r.id)).toEqual([1, 2])
    expect(loader.skippedRecords).toBe(1)
  })

  it('hints at path when a pretty-printed document is read as NDJSON', async () => {
    const file = files.write('doc.ndjson', '{\n  "data": [\n    {"id": 1}\n  ]\n}\n')
    const err = await rejection(loadJson(file).toArray())
    expect(err.code).toBe('JSON_MALFORMED')
    expect(err.message).toContain('pass path')
  })
})

describe('bad array documents', () => {
  it('reports a truncated document at the end of the file', async () => {
    const text = JSON.stringify({ data: [{ id: 1 }, { id: 2 }, { id: 3 }] }).slice(0, -12)
    const file = files.write('truncated.json', text)
    const err = await rejection(loadJson(file, { path: 'data' }).toArray())
    expect(err).toBeInstanceOf(FormatError)
    expect(err.code).toBe('JSON_TRUNCATED')
    expect(err.location).toMatchObject({ file, line: 1, byte: Buffer.byteLength(text) })
    // skipping cannot recover a document: still an error
    expect((await rejection(loadJson(file, { path: 'data', onBadRecord: 'skip' }).toArray())).code).toBe(
      'JSON_TRUNCATED',
    )
  })

  it('names the line of a syntax error and a byte on it before the error', async () => {
    const text = '\uFEFF[\n  {"é": 1},\n  {"id": 2,, "x": 1},\n  {"id": 3}\n]\n'
    const file = files.write('syntax.json', text)
    for (const chunkBytes of [1, 1 << 20]) {
      const err = await rejection(loadJson(file, { chunkBytes }).toArray())
      expect(err.code).toBe('JSON_MALFORMED')
      // the start of the line, or of the part of it in the chunk that failed: never past the error
      expect(err.location).toMatchObject({ line: 3 })
      expect(err.location?.byte).toBeGreaterThanOrEqual(
        Buffer.byteLength(text.slice(0, text.indexOf('  {"id": 2'))),
      )
      expect(err.location?.byte).toBeLessThanOrEqual(Buffer.byteLength(text.slice(0, text.indexOf(',,') + 1)))
    }
  })

  it('reports trailing content after a top-level array', async () => {
    const file = files.write('trailing.json', '[{"id": 1}]\n[{"id": 2}]\n')
    expect((await rejection(loadJson(file).toArray())).code).toBe('JSON_MALFORMED')
  })

  it('finds the exact byte of invalid UTF-8 across chunk boundaries', async () => {
    const head = '[{"name": "ok \u00e9\u20ac"}, {"name": "'
    const bytes = Buffer.concat([Buffer.from(head), Buffer.from([0xe2, 0x82]), Buffer.from('"}]')])
    const file = files.write('bad-utf8.json', bytes)
    for (const chunkBytes of [1, 2, 5, 1 << 20]) {
      const err = await rejection(loadJson(file, { chunkBytes }).toArray())
      expect(err.code).toBe('INVALID_UTF8')
      expect(err.location).toMatchObject({ byte: Buffer.byteLength(head) })
    }
    // a cut-off character at the very end of the file
    const cut = files.write('cut.json', Buffer.concat([Buffer.from('[{"a": "x'), Buffer.from([0xf0, 0x9f])]))
    const end = await rejection(loadJson(cut).toArray())
    expect(end.code).toBe('INVALID_UTF8')
    expect(end.location).toMatchObject({ byte: 9 })
  })
})

describe('bad options', () => {
  it('rejects unknown option values with a ValidationError', () => {
    const file = files.path('x.ndjson')
    const bad = [
      { format: 'csv' },
      { onBadRecord: 'ignore' },
      { onBadValue: 'drop' },
      { path: '' },
      { columns: ['a', 'a'] },
      { columnTypes: { a: 'date' as never } },
      { columns: ['a'], columnTypes: { b: 'int32' } },
      { maxRecordBytes: 0 },
      { format: 'ndjson', path: 'data' },
      { batchSize: 0 },
    ]
    for (const options of bad) {
      const make = () => new JsonStreamingLoader(file, options as never)
      expect(make, JSON.stringify(options)).toThrow(ValidationError)
    }
    expect(() => new JsonStreamingLoader('', {})).toThrow(SdError)
  })
})
