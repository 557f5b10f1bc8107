import { statSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { JsonStreamingLoader } from './loader.js'
import { batchesOf, fixtures, rejection } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

const idValueLines = (n: number, eol = '\n') =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, value: i + 0.5 })).join(eol) + eol

describe('loadJson on NDJSON', () => {
  it('reads 1,000 lines at batchSize 100 as 10 batches with an int32 id and a float64 value', async () => {
    const file = files.write('ids.ndjson', idValueLines(1000))
    const ds = loadJson(file, { batchSize: 100 })
    const batches = await batchesOf(ds)
    expect(batches.map((b) => b.numRows)).toEqual(Array(10).fill(100))
    expect(batches[0]?.schema).toEqual([
      { name: 'id', type: 'int32', nullable: false },
      { name: 'value', type: 'float64', nullable: false },
    ])
    for (const batch of batches) {
      expect(batch.column('id')).toBeInstanceOf(Int32Array)
      expect(batch.column('value')).toBeInstanceOf(Float64Array)
    }
    const ids = batches.flatMap((b) => Array.from(b.column('id') as Int32Array))
    const values = batches.flatMap((b) => Array.from(b.column('value') as Float64Array))
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(values).toEqual(Array.from({ length: 1000 }, (_, i) => i + 0.5))
    const t = ds.getStats().throughput
    expect(t?.totalRecords).toBe(1000)
    expect(t?.totalBatches).toBe(10)
    expect(t?.totalBytes).toBe(statSync(file).size)
  })

  it('gives the same rows whatever the read size, with CRLF, blank lines, a BOM and no final newline', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({
      id: i,
      name: `näme-${i}-€-😀`.repeat((i % 4) + 1),
      tags: i % 5 === 0 ? ['a', { b: i }] : [],
    }))
    const body = rows
      .map((r, i) => (i % 7 === 3 ? `\r\n  \r\n${JSON.stringify(r)}` : JSON.stringify(r)))
      .join('\r\n')
    const file = files.write('crlf.ndjson', `\uFEFF${body}`)
    for (const chunkBytes of [1, 2, 3, 5, 64, 4096, 1 << 20]) {
      const got = await loadJson(file, { batchSize: 64, chunkBytes }).toArray()
      expect(got, `chunkBytes ${chunkBytes}`).toEqual(rows)
    }
  })

  it('projects columns in the order asked, with an absent key as an all-null column', async () => {
    const file = files.write(
      'wide.ndjson',
      `${Array.from({ length: 50 }, (_, i) => JSON.stringify({ a: i, b: `s${i}`, c: i % 2 === 0, d: { n: i } })).join('\n')}\n`,
    )
    const batch = await loadJson(file, { columns: ['d', 'a', 'zz'] }).collect()
    expect(batch.columnNames).toEqual(['d', 'a', 'zz'])
    expect(batch.schema).toEqual([
      { name: 'd', type: 'json', nullable: false },
      { name: 'a', type: 'int32', nullable: false },
      { name: 'zz', type: 'json', nullable: true },
    ])
    expect(batch.rows()[7]).toEqual({ d: { n: 7 }, a: 7, zz: null })
  })

  it('infers bool, string, json, nullable and mixed columns from the first batch', async () => {
    const records = Array.from({ length: 40 }, (_, i) => ({
      flag: i % 3 === 0,
      label: `l${i}`,
      nested: { i, list: [i, i + 1] },
      sparse: i % 4 === 0 ? i : null,
      mixed: i % 2 === 0 ? i : `x${i}`,
      ...(i % 5 === 0 ? { optional: i * 1.5 } : {}),
      big: 2 ** 40 + i,
    }))
    const file = files.write('types.ndjson', `${records.map((r) => JSON.stringify(r)).join('\n')}\n`)
    const batch = await loadJson(file).collect()
    expect(Object.fromEntries(batch.schema.map((f) => [f.name, [f.type, f.nullable]]))).toEqual({
      flag: ['bool', false],
      label: ['string', false],
      nested: ['json', false],
      sparse: ['int32', true],
      mixed: ['json', false],
      optional: ['float64', true],
      big: ['int64', false],
    })
    expect(batch.column('flag')).toBeInstanceOf(Uint8Array)
    expect(batch.column('big')).toBeInstanceOf(BigInt64Array)
    // nullable numbers are typed too, with their nulls in the validity bitmap
    expect(batch.column('sparse')).toBeInstanceOf(Int32Array)
    expect(batch.data('sparse').nullCount).toBe(records.filter((r) => r.sparse === null).length)
    const expected = records.map((r) => ({ optional: null, ...r, big: BigInt(r.big) }))
    expect(batch.rows()).toEqual(expected)
    const asNumbers = await loadJson(file, { int64: 'number' }).collect()
    expect(asNumbers.schema.find((f) => f.name === 'big')?.type).toBe('float64')
    expect(asNumbers.column('big')).toEqual(Float64Array.from(records, (r) => r.big))
  })

  it('keeps column types from the first batch: a later misfit is an error naming line, byte and column', async () => {
    const lines = [...Array.from({ length: 10 }, (_, i) => `{"id":${i},"v":${i}}`), '{"id":10,"v":2.5}']
    const file = files.write('misfit.ndjson', `${lines.join('\n')}\n`)
    const err = await rejection(loadJson(file, { batchSize: 5 }).toArray())
    expect(err.code).toBe('TYPE_MISMATCH')
    expect(err.location).toMatchObject({
      file,
      line: 11,
      column: 'v',
      byte: lines.slice(0, 10).join('\n').length + 1,
    })
    expect(err.message).toContain('got a number (2.5)')
  })

  it("stores a misfit as null and counts it with onBadValue: 'null'; nulls in a typed column make a plain batch", async () => {
    const lines = [
      ...Array.from({ length: 4 }, (_, i) => `{"id":${i},"flag":true}`),
      '{"id":"four","flag":false}',
      '{"id":null,"flag":null}',
      '{"id":6}',
      '{"id":7,"flag":false}',
    ]
    const file = files.write('nullable.ndjson', `${lines.join('\n')}\n`)
    const loader = new JsonStreamingLoader(file, { batchSize: 4, onBadValue: 'null' })
    const batches = await batchesOf(loader.toDataset())
    expect(batches[0]?.column('id')).toBeInstanceOf(Int32Array)
    expect(batches[1]?.schema).toEqual([
      { name: 'id', type: 'int32', nullable: true },
      { name: 'flag', type: 'bool', nullable: true },
    ])
    expect(batches[1]?.rows()).toEqual([
      { id: null, flag: false },
      { id: null, flag: null },
      { id: 6, flag: null },
      { id: 7, flag: false },
    ])
    expect(loader.nulledValues).toBe(1)
    expect(loader.getStats().nulledValues).toBe(1)
  })

  it('lets columnTypes fix a type, checked from the first record on', async () => {
    const file = files.write('pinned.ndjson', '{"v":1}\n{"v":2}\n{"v":2.5}\n{"v":"x"}\n')
    const batch = await loadJson(file, {
      batchSize: 2,
      columnTypes: { v: 'float64' },
      onBadValue: 'null',
    }).collect()
    expect(batch.schema).toEqual([{ name: 'v', type: 'float64', nullable: true }])
    expect(batch.rows().map((r) => r.v)).toEqual([1, 2, 2.5, null])
    const err = await rejection(loadJson(file, { columnTypes: { v: 'string' } }).toArray())
    expect(err.code).toBe('TYPE_MISMATCH')
    expect(err.location).toMatchObject({ line: 1, byte: 0, column: 'v' })
  })

  it('reads keys named like Object.prototype members as data', async () => {
    const file = files.write(
      'proto.ndjson',
      '{"__proto__":1,"constructor":"c"}\n{"__proto__":2,"constructor":"d"}\n',
    )
    const batch = await loadJson(file).collect()
    expect(batch.columnNames).toEqual(['__proto__', 'constructor'])
    expect(Array.from(batch.column('__proto__') as Int32Array)).toEqual([1, 2])
    expect(batch.column('constructor')).toEqual(['c', 'd'])
  })

  it('reads records whose keys come in another order, and ignores keys first seen after the first batch', async () => {
    const file = files.write(
      'order.ndjson',
      '{"a":1,"b":"x"}\n{"b":"y","a":2}\n{"a":3,"b":"z","late":true}\n',
    )
    const rows = await loadJson(file, { batchSize: 2 }).toArray()
    expect(rows).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
      { a: 3, b: 'z' },
    ])
  })

  it('gives records with no keys as rows without columns', async () => {
    const file = files.write('empty-objects.ndjson', '{}\n{}\n{}\n')
    const batches = await batchesOf(loadJson(file, { batchSize: 2 }))
    expect(batches.map((b) => b.numRows)).toEqual([2, 1])
    expect(batches[0]?.schema).toEqual([])
  })

  it('re-reads from the cache on a second pass, and rereads the file when it changes', async () => {
    const file = files.write('cached.ndjson', idValueLines(30))
    const ds = loadJson(file, { batchSize: 10 })
    expect(await ds.count()).toBe(30)
    expect(await ds.count()).toBe(30)
    expect(ds.getStats().cache?.hits).toBeGreaterThan(0)
    files.write('cached.ndjson', idValueLines(40))
    expect(await ds.count()).toBe(40)
  })

  it('streams a file larger than the cache without caching it', async () => {
    const file = files.write('uncached.ndjson', idValueLines(1000))
    const ds = loadJson(file, { batchSize: 100, cacheSizeMb: 0.01 })
    expect(await ds.count()).toBe(1000)
    expect(await ds.count()).toBe(1000)
    expect(ds.getStats().cache).toMatchObject({ hits: 0, itemCount: 0 })
    const small = loadJson(files.write('small.ndjson', idValueLines(10)), { batchSize: 5, cacheSizeMb: 0.01 })
    await small.count()
    await small.count()
    expect(small.getStats().cache?.hits).toBeGreaterThan(0)
  })
})
