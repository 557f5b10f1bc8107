import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hiddenBelow, isFolder, listFolder } from './folder-list.js'

const dir = mkdtempSync(join(tmpdir(), 'sd-folder-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('listFolder', () => {
  it('lists matching files below a folder segment by segment, leaving hidden ones out', async () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true })
    mkdirSync(join(dir, '_temporary'))
    for (const name of [
      'a-b.csv',
      'a/b/c.csv',
      'a/z.csv.gz',
      'a/.x.csv',
      '_temporary/t.csv',
      'y.txt',
      'a.csv',
    ])
      writeFileSync(join(dir, name), 'x')
    const files = await listFolder(dir, { suffixes: ['.csv', '.csv.gz'], what: '*.csv' })
    // 'a/...' sorts before 'a-b.csv' and 'a.csv' by segment, whatever '/' sorts as on the platform
    expect(files.map((f) => f.below)).toEqual(['a/b/c.csv', 'a/z.csv.gz', 'a-b.csv', 'a.csv'])
    expect(files[0]?.name).toBe(join(dir, 'a', 'b', 'c.csv'))
    expect(isFolder(dir)).toBe(true)
    expect(isFolder(join(dir, 'a.csv'))).toBe(false)
    expect(hiddenBelow('x/_SUCCESS')).toBe(true)
  })

  it('refuses a folder without matching files with a NotFoundError naming it', async () => {
    await expect(
      listFolder(join(dir, 'a', 'b'), { suffixes: ['.parquet'], what: '*.parquet' }),
    ).rejects.toMatchObject({
      code: 'NO_FILES',
      location: { file: join(dir, 'a', 'b') },
    })
    await expect(
      listFolder(join(dir, 'a', 'b'), {
        suffixes: ['.parquet'],
        what: '*.parquet',
        code: 'PARQUET_NO_FILES',
      }),
    ).rejects.toMatchObject({ code: 'PARQUET_NO_FILES' })
  })
})
