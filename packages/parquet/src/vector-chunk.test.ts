import { join } from 'node:path'
import { type FormatError, VectorColumn } from '@sd/core'
import { fileWriter, ParquetWriter } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { SD_SCHEMA_KEY } from './sd-schema.js'
import { tempDir } from './test-support/fixtures.js'
import { closeParquetWorkers } from './workers.js'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
})
afterAll(async () => {
  await closeParquetWorkers()
  await cleanup()
})

/**
 * A LIST<FLOAT> column written by hyparquet-writer (its own levels, dictionary or PLAIN floats,
 * OPTIONAL elements), with the footer entry that names it a vector of `dimension`.
 */
async function write(path: string, rows: ((number | null)[] | null)[], dimension: number): Promise<void> {
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: [
      { name: 'root', num_children: 1 },
      { name: 'vec', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
    ],
    kvMetadata: [
      {
        key: SD_SCHEMA_KEY,
        value: JSON.stringify([{ name: 'vec', type: 'vector', nullable: true, dimension }]),
      },
    ],
  })
  await writer.write({ columnData: [{ name: 'vec', data: rows }], rowGroupSize: 1000, pageSize: 2048 })
  await writer.finish()
}

describe('vector columns read from LIST<FLOAT> chunks', () => {
  it("reads another writer's lists (nulls, pages, row groups) into one Float32Array per batch", async () => {
    const path = join(dir, 'vectors.parquet')
    const rows = Array.from({ length: 2500 }, (_, i) => (i % 9 === 4 ? null : [i, i % 5, -i / 4]))
    await write(path, rows, 3)
    for (const workers of [0, 2]) {
      const batches = await loadParquet(path, { batchSize: 700, workers }).collect()
      const column = batches.data('vec')
      expect(column).toBeInstanceOf(VectorColumn)
      expect((column as VectorColumn).dimension).toBe(3)
      expect(column.nullCount).toBe(rows.filter((r) => r === null).length)
      expect(batches.rows().map((r) => (r.vec === null ? null : Array.from(r.vec as Float32Array)))).toEqual(
        rows,
      )
    }
  })

  it('a row of the wrong length or with a null float is a corrupt page naming row group, column and row', async () => {
    const cases: [string, (number | null)[] | null, RegExp][] = [
      ['short', [1, 2], /vector row 203 has 2 values where the dimension is 3/],
      ['long', [1, 2, 3, 4], /vector row 203 has more than 3 values/],
      ['null-float', [1, null, 3], /vector row 203 is empty or holds a null value/],
      ['empty', [], /vector row 203 is empty/],
    ]
    for (const [name, bad, message] of cases) {
      const path = join(dir, `${name}.parquet`)
      const at = name === 'long' ? 203 : 1203
      await write(
        path,
        Array.from({ length: 2000 }, (_, i) => (i === at ? bad : [i, i, i])),
        3,
      )
      const err = (await loadParquet(path, { workers: 0 })
        .collect()
        .catch((e: unknown) => e)) as FormatError
      expect([name, err.code]).toEqual([name, 'PARQUET_CORRUPT_PAGE'])
      expect(err.message).toMatch(message)
      expect(err.location).toMatchObject({ file: path, rowGroup: at >= 1000 ? 1 : 0, column: 'vec' })
    }
  })
})
