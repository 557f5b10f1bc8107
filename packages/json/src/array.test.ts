import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { JsonStreamingLoader } from './loader.js'
import { batchesOf, fixtures, rejection } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

const records = Array.from({ length: 250 }, (_, i) => ({ id: i, value: i + 0.5, name: `n-${i}-ü` }))

describe('loadJson on array documents', () => {
  it("reads the array at path 'data' in batches", async () => {
    const file = files.write(
      'doc.json',
      JSON.stringify({ meta: { n: 250, data: [1] }, data: records, after: [{ x: 1 }] }),
    )
    const ds = loadJson(file, { path: 'data', batchSize: 100 })
    const batches = await batchesOf(ds)
    expect(batches.map((b) => b.numRows)).toEqual([100, 100, 50])
    expect(batches[0]?.schema).toEqual([
      { name: 'id', type: 'int32', nullable: false },
      { name: 'value', type: 'float64', nullable: false },
      { name: 'name', type: 'string', nullable: false },
    ])
    expect(batches[0]?.column('id')).toBeInstanceOf(Int32Array)
    expect(await ds.toArray()).toEqual(records)
  })

  it('detects a top-level array, pretty-printed or not, at any read size', async () => {
    const some = records.slice(0, 40)
    const pretty = files.write('pretty.json', `\uFEFF  ${JSON.stringify(some, null, 2)}\n`)
    const compact = files.write('compact.json', JSON.stringify(some))
    for (const chunkBytes of [1, 3, 100, 1 << 20]) {
      expect(await loadJson(pretty, { chunkBytes }).toArray()).toEqual(some)
      expect(await loadJson(compact, { chunkBytes }).toArray()).toEqual(some)
    }
  })

  it('follows a dotted path through objects and arrays', async () => {
    const file = files.write(
      'nested.json',
      JSON.stringify({ result: { items: records.slice(0, 3), total: 3 } }),
    )
    expect(await loadJson(file, { path: 'result.items' }).toArray()).toEqual(records.slice(0, 3))
    const listed = files.write('listed.json', JSON.stringify([{ rows: records.slice(5, 7) }, { rows: [] }]))
    expect(await loadJson(listed, { path: '0.rows' }).toArray()).toEqual(records.slice(5, 7))
  })

  it('stops reading once the array at path ends', async () => {
    // the lines after the array are not valid JSON, and are never parsed
    const file = files.write('early.json', `{"data": [{"a": 1}, {"a": 2}],\n"rest": [}}}`)
    expect(await loadJson(file, { path: 'data' }).toArray()).toEqual([{ a: 1 }, { a: 2 }])
  })

  it('reads an empty array as no batches', async () => {
    const file = files.write('empty-array.json', '{"data": []}')
    expect(await batchesOf(loadJson(file, { path: 'data' }))).toEqual([])
    expect(await loadJson(files.write('bare-empty.json', ' [ ] '), {}).schema()).toEqual([])
  })

  it('projects columns', async () => {
    const file = files.write('proj.json', JSON.stringify(records))
    const rows = await loadJson(file, { columns: ['name'] }).toArray()
    expect(rows).toEqual(records.map((r) => ({ name: r.name })))
  })

  it('names a missing path, and an array path that holds something else', async () => {
    const file = files.write('nopath.json', JSON.stringify({ data: records.slice(0, 2) }))
    const missing = await rejection(loadJson(file, { path: 'rows' }).toArray())
    expect(missing.name).toBe('NotFoundError')
    expect(missing.code).toBe('JSON_PATH_NOT_FOUND')
    expect(missing.message).toContain('"rows"')
    const other = await rejection(
      loadJson(files.write('obj.json', '{"data": {"a": 1}}'), { path: 'data' }).toArray(),
    )
    expect(other.code).toBe('JSON_NOT_ARRAY')
    const top = await rejection(loadJson(files.write('top.json', '{"a": 1}'), { format: 'array' }).toArray())
    expect(top.code).toBe('JSON_NOT_ARRAY')
    expect(top.message).toContain('pass path')
  })

  it('skips and counts elements that are not objects, or names them by index and line', async () => {
    const text = '[\n{"a":1},\n2,\n{"a":3},\nnull,\n["x"],\n{"a":6}\n]\n'
    const file = files.write('mixed.json', text)
    const loader = new JsonStreamingLoader(file, { onBadRecord: 'skip' })
    expect(await loader.toDataset().toArray()).toEqual([{ a: 1 }, { a: 3 }, { a: 6 }])
    expect(loader.skippedRecords).toBe(3)
    expect(loader.getStats().skippedRecords).toBe(3)
    const err = await rejection(loadJson(file).toArray())
    expect(err.code).toBe('JSON_NOT_OBJECT')
    expect(err.location).toMatchObject({ file, index: 1, line: 3, byte: text.indexOf('2,') })
  })
})
