import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FileRangeReader } from '@sd/core'
import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { byteSource } from './byte-source.js'
import { GroupReader } from './group-reader.js'
import { openPart } from './parts.js'
import { exec, lit, tempDir } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
let path: string

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  path = join(dir, 'groups.parquet')
  await exec(`COPY (SELECT range AS id, 'v' || (range % 100) AS s, CASE WHEN range % 3 = 0 THEN NULL ELSE range * 0.5 END AS d,
      [range % 4, range % 5] AS l FROM range(9000))
    TO ${lit(path)} (FORMAT parquet, ROW_GROUP_SIZE 4096)`)
})
afterAll(() => cleanup())

/** Every row group read through GroupReader in uneven slices, against hyparquet reading the file whole. */
async function readAll(local: boolean): Promise<Record<string, unknown>[]> {
  const entry = { name: path, remote: false, partition: [] }
  const part = await openPart(entry, { cache: undefined, http: {}, int64: 'bigint' }, undefined, () => {})
  const file = await FileRangeReader.open(path)
  const source = byteSource(file, undefined, () => {})
  const rows: Record<string, unknown>[] = []
  try {
    for (const [rowGroup, group] of part.metadata.row_groups.entries()) {
      // windows far smaller than a page: every page is assembled from several reads
      const reader = new GroupReader(
        source,
        {
          metadata: part.metadata,
          tree: part.tree,
          rowGroup,
          groupStart: part.groupStarts[rowGroup] as number,
          rows: Number(group.num_rows),
          columns: part.columns,
          file: path,
        },
        { coalesceBytes: 0, windowBytes: 100, gapBytes: 0, local },
      )
      let left = Number(group.num_rows)
      for (let k = 1; left > 0; k = (k * 7) % 1000) {
        const n = Math.min(left, k)
        const columns = await reader.take(n)
        for (let i = 0; i < n; i++) {
          const row: Record<string, unknown> = {}
          for (const [name, values] of columns) row[name] = values.get(i)
          rows.push(row)
        }
        left -= n
      }
      reader.release()
    }
  } finally {
    await file.close()
  }
  return rows
}

describe('GroupReader', () => {
  it.each([true, false])(
    'reads large row groups in windows (local %s) as hyparquet reads them whole',
    async (local) => {
      const bytes = readFileSync(path)
      const expected = await parquetReadObjects({
        file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
        compressors,
        utf8: false,
      })
      const actual = await readAll(local)
      expect(actual).toHaveLength(9000)
      expect(actual).toEqual(expected)
    },
  )
})
