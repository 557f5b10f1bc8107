/**
 * Metadata that still parses but lies (the corruptions DuckDB refuses) is refused with a
 * FormatError naming the file, the row group and the column, instead of decoding to wrong values.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FormatError } from '@sd/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { plainToDictionary, rewriteFooter } from './test-support/corrupt.js'
import { exec, lit, query, tempDir } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
let good: Uint8Array
const file = (name: string) => join(dir, name)
const ROWS = 100_000

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await exec(
    `COPY (SELECT i::BIGINT AS id, (i * 0.5)::DOUBLE AS d, 'v' || (i % 10) AS s FROM range(${ROWS}) t(i)) TO ${lit(file('good.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 50000)`,
  )
  good = new Uint8Array(await readFile(file('good.parquet')))
  await writeFile(
    file('rewritten.parquet'),
    rewriteFooter(good, () => undefined),
  )
  await writeFile(file('dictionary-flip.parquet'), plainToDictionary(good, 0, 0))
  await writeFile(
    file('no-children.parquet'),
    rewriteFooter(good, (m) => {
      const root = m.schema[0] as { name?: string; num_children?: number }
      delete root.num_children
      root.name = ''
    }),
  )
  await writeFile(
    file('double-to-float.parquet'),
    rewriteFooter(good, (m) => {
      const d = m.schema.find((e) => e.name === 'd')
      if (d) d.type = 'FLOAT'
    }),
  )
  await exec(
    `COPY (SELECT i AS id, CASE WHEN i = 1500 THEN '\\xFF\\xFE'::BLOB ELSE ('ok' || i)::BLOB END AS text FROM range(3000) t(i))
      TO ${lit(file('blob.parquet'))} (FORMAT parquet)`,
  )
  await writeFile(
    file('not-utf8.parquet'),
    rewriteFooter(new Uint8Array(await readFile(file('blob.parquet'))), (m) => {
      const text = m.schema.find((e) => e.name === 'text')
      if (text) text.converted_type = 'UTF8'
    }),
  )
  await writeFile(
    file('wrong-path.parquet'),
    rewriteFooter(good, (m) => {
      const chunk = m.row_groups[1]?.columns[2]?.meta_data
      if (chunk) chunk.path_in_schema = ['elsewhere']
    }),
  )
})
afterAll(() => cleanup())

async function duckRefuses(name: string): Promise<boolean> {
  return query(`SELECT count(*) AS n, sum(id) AS s, sum(d) AS sd FROM read_parquet(${lit(file(name))})`).then(
    () => false,
    () => true,
  )
}

async function ourError(name: string): Promise<FormatError> {
  const err = await loadParquet(file(name))
    .count()
    .catch((e: unknown) => e)
  expect(err).toBeInstanceOf(FormatError)
  return err as FormatError
}

describe('footers and page headers that lie', () => {
  it('the re-encoded footer alone is fine for DuckDB and for us (the control)', async () => {
    expect(await duckRefuses('rewritten.parquet')).toBe(false)
    const batch = await loadParquet(file('rewritten.parquet')).collect()
    expect(batch.numRows).toBe(ROWS)
    expect((batch.column('id') as BigInt64Array)[ROWS - 1]).toBe(BigInt(ROWS - 1))
  })

  it('a PLAIN page whose header says PLAIN_DICTIONARY with no dictionary page', async () => {
    expect(await duckRefuses('dictionary-flip.parquet')).toBe(true)
    const err = await ourError('dictionary-flip.parquet')
    expect(err.code).toBe('PARQUET_CORRUPT_PAGE')
    expect(err.location).toMatchObject({ file: file('dictionary-flip.parquet'), rowGroup: 0, column: 'id' })
    expect(err.message).toMatch(/no dictionary page/)
  })

  it('a schema whose root lost its name and child count', async () => {
    expect(await duckRefuses('no-children.parquet')).toBe(true)
    const err = await ourError('no-children.parquet')
    expect(err.code).toBe('PARQUET_BAD_FOOTER')
    expect(err.location).toMatchObject({ file: file('no-children.parquet') })
  })

  it('a column type changed from DOUBLE to FLOAT in the schema only', async () => {
    const err = await ourError('double-to-float.parquet')
    expect(err.code).toBe('PARQUET_BAD_FOOTER')
    expect(err.location).toMatchObject({ file: file('double-to-float.parquet'), rowGroup: 0, column: 'd' })
    expect(err.message).toMatch(/DOUBLE values where the schema says FLOAT/)
  })

  it('a column chunk whose path does not match the schema', async () => {
    const err = await ourError('wrong-path.parquet')
    expect(err.code).toBe('PARQUET_BAD_FOOTER')
    expect(err.location).toMatchObject({ file: file('wrong-path.parquet'), rowGroup: 1, column: 's' })
    expect(err.message).toMatch(/"elsewhere"/)
  })

  it('strings that are not UTF-8 (a binary column relabelled as text)', async () => {
    expect(await loadParquet(file('blob.parquet')).count()).toBe(3000)
    const duck = await query(
      `SELECT max(text) AS t FROM read_parquet(${lit(file('not-utf8.parquet'))})`,
    ).then(
      () => 'read',
      (e: Error) => e.message,
    )
    expect(duck).toMatch(/Invalid string encoding/)
    const err = await ourError('not-utf8.parquet')
    expect(err.code).toBe('INVALID_UTF8')
    expect(err.location).toMatchObject({ file: file('not-utf8.parquet'), rowGroup: 0, column: 'text' })
  })
})
