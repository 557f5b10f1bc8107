import { join } from 'node:path'
import { isSdError } from '@sd/core'
import { fileWriter, ParquetWriter } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { tempDir } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
})
afterAll(() => cleanup())

/** A UTF8 column, dictionary-encoded by hyparquet-writer, whose dictionary holds `word`. */
async function write(path: string, word: Uint8Array): Promise<void> {
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: [
      { name: 'root', num_children: 1 },
      { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    ],
  })
  const words = [new TextEncoder().encode('plain'), word, new TextEncoder().encode('words')]
  await writer.write({
    columnData: [{ name: 'text', data: Array.from({ length: 3000 }, (_, i) => words[i % 3]) }],
    rowGroupSize: 3000,
  })
  await writer.finish()
}

describe('UTF-8 of dictionary pages', () => {
  it('a dictionary kept as dictionary indices is checked too', async () => {
    const good = join(dir, 'good.parquet')
    await write(good, new TextEncoder().encode('ü-fine'))
    const batches = await loadParquet(good, { workers: 0 }).collect()
    expect(batches.data('text').kind).toBe('dictionary')
    expect(batches.column('text').slice(0, 3)).toEqual(['plain', 'ü-fine', 'words'])

    const bad = join(dir, 'bad.parquet')
    await write(bad, Uint8Array.of(0x61, 0xff, 0xfe))
    const err = await loadParquet(bad, { workers: 0 })
      .collect()
      .catch((e: unknown) => e)
    expect(isSdError(err) && err.code).toBe('INVALID_UTF8')
    expect((err as { location: unknown }).location).toMatchObject({ file: bad, rowGroup: 0, column: 'text' })
  })
})
