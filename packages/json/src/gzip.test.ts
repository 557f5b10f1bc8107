import { statSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { fixtures, rejection } from './test-support/fixtures.js'

const files = fixtures()
afterAll(() => files.remove())

const records = Array.from({ length: 2000 }, (_, i) => ({ id: i, value: i * 0.25, label: `label-${i % 7}` }))
const ndjson = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`

describe('gzip input', () => {
  it('streams .jsonl.gz, .ndjson.gz and .json.gz through zlib, counting compressed bytes', async () => {
    const jsonl = files.write('a.jsonl.gz', gzipSync(ndjson))
    const nd = files.write('a.ndjson.gz', gzipSync(ndjson))
    const doc = files.write('a.json.gz', gzipSync(JSON.stringify({ data: records })))
    for (const file of [jsonl, nd]) {
      const ds = loadJson(file, { batchSize: 500, chunkBytes: 1000 })
      expect(await ds.toArray()).toEqual(records)
      expect(ds.getStats().throughput?.totalBytes).toBe(statSync(file).size)
    }
    expect(await loadJson(doc, { path: 'data' }).toArray()).toEqual(records)
  })

  it('recognises gzip by its magic bytes whatever the name, and reads concatenated members', async () => {
    const half = records.length / 2
    const twoMembers = Buffer.concat([
      gzipSync(
        `${records
          .slice(0, half)
          .map((r) => JSON.stringify(r))
          .join('\n')}\n`,
      ),
      gzipSync(
        `${records
          .slice(half)
          .map((r) => JSON.stringify(r))
          .join('\n')}\n`,
      ),
    ])
    const file = files.write('packed.data', twoMembers)
    expect(await loadJson(file).toArray()).toEqual(records)
    // read as text, compressed bytes are not UTF-8
    expect(await rejection(loadJson(file, { compression: 'none' }).toArray())).toMatchObject({
      name: 'FormatError',
      code: 'INVALID_UTF8',
    })
  })

  it('reports a truncated or corrupt gzip stream as a FormatError', async () => {
    const packed = gzipSync(ndjson)
    const truncated = files.write('truncated.ndjson.gz', packed.subarray(0, packed.length - 100))
    const err = await rejection(loadJson(truncated).toArray())
    expect(err.name).toBe('FormatError')
    expect(err.code).toBe('GZIP_CORRUPT')
    const corrupt = Buffer.from(packed)
    corrupt.fill(0x55, 40, 80)
    expect((await rejection(loadJson(files.write('corrupt.ndjson.gz', corrupt)).toArray())).code).toBe(
      'GZIP_CORRUPT',
    )
  })
})
