import { gzipSync } from 'node:zlib'
import { RecordBatch, ValidationError } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import { CsvStreamingLoader } from './loader.js'
import { csvField, tempDir } from './test-support/files.js'

const tmp = tempDir()
afterAll(() => tmp.remove())

/** The file: `id,value` with id = i and value = i + 0.5. */
function idValueCsv(rows: number, lineEnd = '\n'): string {
  const lines = ['id,value']
  for (let i = 0; i < rows; i++) lines.push(`${i},${i + 0.5}`)
  return lines.join(lineEnd) + lineEnd
}

describe('loadCsv', () => {
  it('reads 1,000 rows at batchSize 100 as 10 batches of int32 id and float64 value', async () => {
    const path = tmp.write('id-value.csv', idValueCsv(1000))
    const batches: RecordBatch[] = []
    for await (const batch of loadCsv(path, { batchSize: 100 })) batches.push(batch)
    expect(batches.map((b) => b.numRows)).toEqual(Array(10).fill(100))
    for (const batch of batches) {
      expect(batch.schema).toEqual([
        { name: 'id', type: 'int32', nullable: false },
        { name: 'value', type: 'float64', nullable: false },
      ])
      expect(batch.column('id')).toBeInstanceOf(Int32Array)
      expect(batch.column('value')).toBeInstanceOf(Float64Array)
    }
    const all = RecordBatch.concat(batches)
    expect(Array.from(all.column('id') as Int32Array)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(Array.from(all.column('value') as Float64Array)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i + 0.5),
    )
  })

  it('reports records and file bytes in the stats', async () => {
    const content = idValueCsv(250)
    const path = tmp.write('stats.csv', content)
    const ds = loadCsv(path, { batchSize: 100, cacheEnabled: false })
    expect(await ds.count()).toBe(250)
    const stats = ds.getStats()
    expect(stats.throughput?.totalRecords).toBe(250)
    expect(stats.throughput?.totalBatches).toBe(3)
    expect(stats.throughput?.totalBytes).toBe(Buffer.byteLength(content))
    expect(stats.skippedRecords).toBe(0)
  })

  it('reads quoted fields holding delimiters, quotes and newlines, with a BOM and CRLF line ends', async () => {
    const values = [
      'plain',
      'a,b',
      'say "hi"',
      'two\nlines',
      'crlf\r\ninside',
      '',
      ' spaced ',
      'ünïcödé 日本',
    ]
    const lines = ['id,text']
    for (const [i, v] of values.entries()) lines.push(`${i},${csvField(v)}`)
    const path = tmp.write('quoted.csv', `\ufeff${lines.join('\r\n')}\r\n`)
    const rows = await loadCsv(path).toArray()
    expect(rows).toEqual(values.map((text, id) => ({ id, text })))
  })

  it('reads a file without a final line end, and CR-only line ends', async () => {
    const path = tmp.write('no-final.csv', idValueCsv(5).trimEnd())
    expect((await loadCsv(path).toArray()).map((r) => r.id)).toEqual([0, 1, 2, 3, 4])
    const cr = tmp.write('cr.csv', idValueCsv(5, '\r'))
    expect((await loadCsv(cr).toArray()).map((r) => r.value)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5])
  })

  it('honours delimiter, quote and escape options', async () => {
    const path = tmp.write('semi.csv', "id;name\n1;'a;b'\n2;'it\\'s'\n")
    const rows = await loadCsv(path, { delimiter: ';', quote: "'", escape: '\\' }).toArray()
    expect(rows).toEqual([
      { id: 1, name: 'a;b' },
      { id: 2, name: "it's" },
    ])
    const tsv = tmp.write('tabs.tsv', 'a\tb\n1\t"x"\n')
    expect(await loadCsv(tsv, { delimiter: '\t', quote: null }).toArray()).toEqual([{ a: 1, b: '"x"' }])
  })

  it('skips comment lines, and keeps the comment character inside fields', async () => {
    const path = tmp.write('comments.csv', '# exported 2024\nid,tag\n1,#a\n# note\n2,b#c\n')
    expect(await loadCsv(path, { comment: '#' }).toArray()).toEqual([
      { id: 1, tag: '#a' },
      { id: 2, tag: 'b#c' },
    ])
  })

  it('takes names from headerNames (no header row) or renames the header with header: true', async () => {
    const path = tmp.write('noheader.csv', '1,x\n2,y\n')
    expect(await loadCsv(path, { headerNames: ['n', 's'] }).toArray()).toEqual([
      { n: 1, s: 'x' },
      { n: 2, s: 'y' },
    ])
    expect(await loadCsv(path, { headerNames: ['n', 's'], header: true }).toArray()).toEqual([
      { n: 2, s: 'y' },
    ])
    expect(await loadCsv(path, { header: false }).toArray()).toEqual([
      { column1: 1, column2: 'x' },
      { column1: 2, column2: 'y' },
    ])
    const dup = tmp.write('dup.csv', 'a,a,\n1,2,3\n')
    expect(await loadCsv(dup).toArray()).toEqual([{ a: 1, a_1: 2, column3: 3 }])
  })

  it('types booleans, leaves strings, and makes empty fields of typed columns null', async () => {
    const path = tmp.write('types.csv', 'flag,name,n\ntrue,a,1\nFALSE,,\n,c,3\n')
    const batch = await loadCsv(path).collect()
    expect(batch.schema).toEqual([
      { name: 'flag', type: 'bool', nullable: true },
      { name: 'name', type: 'string', nullable: false },
      { name: 'n', type: 'int32', nullable: true },
    ])
    expect(batch.rows()).toEqual([
      { flag: true, name: 'a', n: 1 },
      { flag: false, name: '', n: null },
      { flag: null, name: 'c', n: 3 },
    ])
    const bools = await loadCsv(tmp.write('bools.csv', 'b\ntrue\nfalse\n')).collect()
    expect(bools.column('b')).toEqual(Uint8Array.of(1, 0))
  })

  it('reads every column as a string with cast: false, except those in columnTypes', async () => {
    const path = tmp.write('nocast.csv', 'a,b\n1,2.5\n')
    const batch = await loadCsv(path, { cast: false, columnTypes: { b: 'float64' } }).collect()
    expect(batch.schema.map((f) => f.type)).toEqual(['string', 'float64'])
    expect(batch.rows()).toEqual([{ a: '1', b: 2.5 }])
  })

  it('reads only columns, in that order, and refuses unknown names', async () => {
    const path = tmp.write('project.csv', 'a,b,c\n1,x,2.5\n2,y,3.5\n')
    const batch = await loadCsv(path, { columns: ['c', 'a'] }).collect()
    expect(batch.columnNames).toEqual(['c', 'a'])
    expect(batch.rows()).toEqual([
      { c: 2.5, a: 1 },
      { c: 3.5, a: 2 },
    ])
    const error = await loadCsv(path, { columns: ['a', 'nope'] })
      .toArray()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).code).toBe('UNKNOWN_COLUMN')
    expect((error as Error).message).toContain('[a, b, c]')
  })

  it('keeps the type decided from the first batch: a later misfit is an error, null, or a skip', async () => {
    const path = tmp.write('drift.csv', 'id,v\n1,10\n2,20\n3,2.5\n4,40\n')
    const error = await loadCsv(path, { batchSize: 2 })
      .toArray()
      .catch((e: unknown) => e)
    expect((error as { code?: string }).code).toBe('TYPE_MISMATCH')
    expect((error as { location?: unknown }).location).toEqual({
      file: path,
      line: 4,
      byte: 'id,v\n1,10\n2,20\n'.length,
      row: 2,
      column: 'v',
    })
    expect((error as Error).message).toContain('"2.5"')

    const nulled = loadCsv(path, { batchSize: 2, onBadValue: 'null' })
    const batches: RecordBatch[] = []
    for await (const b of nulled) batches.push(b)
    expect(batches.map((b) => b.field('v').type)).toEqual(['int32', 'int32'])
    expect(batches[1]?.column('v')).toEqual(Int32Array.of(0, 40))
    expect(batches[1]?.data('v').isNull(0)).toBe(true)
    expect(batches[1]?.rows().map((r) => r.v)).toEqual([null, 40])
    expect(nulled.getStats().nulledValues).toBe(1)

    const skipped = loadCsv(path, { batchSize: 2, onBadValue: 'skip' })
    expect((await skipped.toArray()).map((r) => r.id)).toEqual([1, 2, 4])
    expect(skipped.getStats().skippedRecords).toBe(1)

    const widened = await loadCsv(path, { batchSize: 2, columnTypes: { v: 'float64' } }).collect()
    expect(Array.from(widened.column('v') as Float64Array)).toEqual([10, 20, 2.5, 40])
  })

  it('reads gzip-compressed files, counting compressed bytes', async () => {
    const content = idValueCsv(300)
    const compressed = gzipSync(content)
    const path = tmp.write('data.csv.gz', compressed)
    const ds = loadCsv(path, { batchSize: 128 })
    const batch = await ds.collect()
    expect(batch.numRows).toBe(300)
    expect((batch.column('value') as Float64Array).reduce((a, b) => a + b, 0)).toBe(45000)
    expect(ds.getStats().throughput?.totalBytes).toBe(compressed.length)
  })

  it('serves a repeat pass from the cache with the same rows', async () => {
    const path = tmp.write('repeat.csv', idValueCsv(50))
    const ds = loadCsv(path, { batchSize: 20 })
    const first = await ds.toArray()
    expect(await ds.toArray()).toEqual(first)
    expect(ds.getStats().cache?.hits).toBe(3)
  })

  it('does not cache a file whose batches would not fit in the cache', async () => {
    const path = tmp.write('big-for-cache.csv', idValueCsv(2000))
    const ds = loadCsv(path, { batchSize: 500, cacheSizeMb: 0.02 })
    expect(await ds.count()).toBe(2000)
    expect(await ds.count()).toBe(2000)
    expect(ds.getStats().cache).toMatchObject({ hits: 0, itemCount: 0 })
    expect(ds.getStats().throughput?.totalBatches).toBe(8)
  })
})

describe('CsvStreamingLoader.getSchema', () => {
  it('reads the header and the first batch only', async () => {
    // the record after the first batch is broken: reading it would fail
    const path = tmp.write('schema.csv', `${idValueCsv(10)}1,2,3\n`)
    const loader = new CsvStreamingLoader(path, { batchSize: 10 })
    expect(await loader.getSchema()).toEqual([
      { name: 'id', type: 'int32', nullable: false },
      { name: 'value', type: 'float64', nullable: false },
    ])
    await expect(loader.toDataset().count()).rejects.toMatchObject({ code: 'CSV_RAGGED_ROW' })
  })

  it('gives string columns for a header-only file and [] for an empty file', async () => {
    const header = loadCsv(tmp.write('header-only.csv', 'a,b\n'))
    expect(await header.schema()).toEqual([
      { name: 'a', type: 'string', nullable: false },
      { name: 'b', type: 'string', nullable: false },
    ])
    expect(await header.count()).toBe(0)
  })
})
