import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { StreamingCache } from '../../cache.js'
import { FileRangeReader } from '../file-range.js'
import { batchCacheKey, sourceVersion } from './source-version.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-source-version-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('sourceVersion and batchCacheKey', () => {
  it('changes when the file changes, and is absent for streams and missing files', async () => {
    const path = join(dir, 'a.csv')
    writeFileSync(path, 'a\n1\n')
    const first = sourceVersion(path)
    expect(first?.byteLength).toBe(4)
    writeFileSync(path, 'a\n12\n')
    utimesSync(path, new Date(), new Date(Date.now() + 5000))
    expect(sourceVersion(path)?.key).not.toBe(first?.key)
    expect(sourceVersion(join(dir, 'missing.csv'))).toBeUndefined()
    expect(sourceVersion(Readable.from([Buffer.from('x')]))).toBeUndefined()
    const reader = await FileRangeReader.open(path)
    expect(sourceVersion(reader)).toEqual({ key: `${path}:${reader.version}`, byteLength: 5 })
    await reader.close()
  })

  it('keys only sources whose decoded batches fit in the cache', () => {
    const path = join(dir, 'b.csv')
    writeFileSync(path, 'x'.repeat(1000))
    const cache = new StreamingCache({ maxSizeMb: 0.003 })
    const key = batchCacheKey('csv', path, { cache, decodedPerByte: 2, parts: [100, { delimiter: ',' }] })
    expect(key).toContain('csv:')
    expect(key).toContain('[100,{"delimiter":","}]')
    expect(batchCacheKey('csv', path, { cache, decodedPerByte: 4, parts: [] })).toBeUndefined()
    expect(batchCacheKey('csv', path, { cache: undefined, decodedPerByte: 1, parts: [] })).toBeUndefined()
  })
})
