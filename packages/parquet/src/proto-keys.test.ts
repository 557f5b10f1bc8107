/**
 * Column names taken from a file never become prototypes: a DuckDB-written Parquet file whose
 * columns are `__proto__`, `constructor`, `toString` and a struct with a `__proto__` field gives
 * row objects that carry them as own properties.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadParquet } from './load.js'
import { exec, lit, tempDir } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  await exec(
    `COPY (SELECT '{"isAdmin":true}' AS "__proto__", 1 AS "constructor", 'x' AS "toString",
      {'__proto__': 'nested', 'isAdmin': true} AS meta, 'eve' AS "user",
      {'__proto__': {'isAdmin': true}, 'at': TIMESTAMP '2020-01-01'} AS deep, [{'__proto__': 5}] AS list)
     TO ${lit(join(dir, 'proto.parquet'))} (FORMAT parquet)`,
  )
})
afterAll(() => cleanup())

describe('column names from the file', () => {
  it('stay own properties of row objects, in row views and in nested structs', async () => {
    const batch = await loadParquet(join(dir, 'proto.parquet')).collect()
    expect(batch.schema.map((f) => f.name)).toEqual([
      '__proto__',
      'constructor',
      'toString',
      'meta',
      'user',
      'deep',
      'list',
    ])
    const [row] = batch.rows() as Record<string, unknown>[]
    if (row === undefined) throw new Error('no row')
    expect(Object.getPrototypeOf(row) === Object.prototype || Object.getPrototypeOf(row) === null).toBe(true)
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('{"isAdmin":true}')
    expect((row as { isAdmin?: unknown }).isAdmin).toBeUndefined()
    expect(Object.hasOwn(row, 'constructor') && row.constructor).toBe(1)
    expect(Object.hasOwn(row, 'toString') && row.toString).toBe('x')
    const meta = row.meta as Record<string, unknown>
    expect(Object.getOwnPropertyDescriptor(meta, '__proto__')?.value).toBe('nested')
    expect(meta.isAdmin).toBe(true)
    const deep = row.deep as Record<string, unknown>
    expect(Object.getPrototypeOf(deep)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(deep, '__proto__')?.value).toEqual({ isAdmin: true })
    expect((deep as { isAdmin?: unknown }).isAdmin).toBeUndefined()
    expect(deep.at).not.toEqual({})
    const [item] = row.list as Record<string, unknown>[]
    expect(Object.getOwnPropertyDescriptor(item, '__proto__')?.value).toBe(5)
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined()
  })

  it('can be projected by name', async () => {
    const batch = await loadParquet(join(dir, 'proto.parquet'), { columns: ['__proto__', 'user'] }).collect()
    expect(batch.column('__proto__')).toEqual(['{"isAdmin":true}'])
    expect(batch.rows()).toEqual([{ ['__proto__']: '{"isAdmin":true}', user: 'eve' }])
  })
})
