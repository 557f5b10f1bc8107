import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FormatError, NotFoundError } from '@sd/core'
import { parquetWriteFile } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { typePartitions } from './hive.js'
import { loadParquet } from './load.js'
import { ParquetStreamingLoader } from './loader.js'
import { exec, lit, query, tempDir, writeHyparquet } from './test-support/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
let hive: string

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir())
  hive = join(dir, 'hive')
  // DuckDB writes the Hive layout itself: year=…/region=…/data_0.parquet, without those columns
  await exec(`COPY (SELECT range AS id, range * 1.5 AS value, 2020 + (range % 3) AS year,
      CASE WHEN range % 2 = 0 THEN 'eu west' ELSE 'us' END AS region FROM range(6000))
    TO ${lit(hive)} (FORMAT parquet, PARTITION_BY (year, region), ROW_GROUP_SIZE 2048)`)
  // files a directory scan must leave alone
  await writeFile(join(hive, '_SUCCESS'), '')
  await writeFile(join(hive, 'notes.txt'), 'not parquet')
  await mkdir(join(dir, 'empty', 'nested'), { recursive: true })
  await writeFile(join(dir, 'empty', 'nested', 'a.csv'), 'x\n1\n')
  await writeHyparquet(join(dir, 'a.parquet'), 300, [100])
  await writeHyparquet(join(dir, 'b.parquet'), 200, [100])
  await mkdir(join(dir, 'mixed'))
  await writeHyparquet(join(dir, 'mixed', '1.parquet'), 10, [10])
  parquetWriteFile({
    filename: join(dir, 'mixed', '2.parquet'),
    columnData: [{ name: 'other', data: Int32Array.of(1, 2), type: 'INT32', nullable: false }],
  })
})
afterAll(() => cleanup())

describe('directories', () => {
  it('reads every *.parquet below a directory, in sorted order, with Hive columns typed', async () => {
    const loader = await ParquetStreamingLoader.open(hive)
    const meta = await loader.getMetadata()
    expect(meta.isDirectory).toBe(true)
    const names = meta.files.map((f) => f.path.slice(hive.length + 1))
    expect(names).toEqual([...names].sort())
    expect(names.every((n) => n.endsWith('.parquet'))).toBe(true)
    expect(names[0]).toMatch(/^year=2020\/region=eu%20west\//)
    expect(meta.schema.slice(-2)).toEqual([
      { name: 'year', type: 'int32', nullable: false },
      { name: 'region', type: 'string', nullable: false },
    ])
    expect(meta.files[0]?.partition).toEqual({ year: 2020, region: 'eu west' })
    const batch = await loader.toDataset().collect()
    expect(batch.column('year')).toBeInstanceOf(Int32Array)
    // DuckDB, reading the same folder with Hive partitioning, agrees group by group
    const expected = await query(`SELECT year, region, count(*) AS n, sum(id) AS s
      FROM read_parquet(${lit(`${hive}/**/*.parquet`)}, hive_partitioning = true) GROUP BY ALL ORDER BY ALL`)
    const groups = new Map<string, { n: number; s: number }>()
    for (const row of batch.rows()) {
      const key = `${row.year}/${row.region}`
      const g = groups.get(key) ?? { n: 0, s: 0 }
      g.n++
      g.s += Number(row.id)
      groups.set(key, g)
    }
    expect([...groups].sort()).toEqual(
      expected.map((r) => [`${r.year}/${r.region}`, { n: Number(r.n), s: Number(r.s) }]).sort(),
    )
  })

  it('skips whole files when a filter excludes their partition values', async () => {
    const loader = await ParquetStreamingLoader.open(hive, { filters: { year: 2021, region: 'us' } })
    const rows = await loader.toDataset().toArray()
    expect(rows.length).toBe(1000)
    expect(rows.every((r) => r.year === 2021 && r.region === 'us')).toBe(true)
    const stats = loader.getStats().parquet
    expect(stats.rowGroupsRead).toBe(1)
    expect(stats.rowGroupsSkipped).toBeGreaterThan(0)
    expect(stats.rowsFiltered).toBe(0)
  })

  it('reads only partition columns when only they are selected, without reading data pages', async () => {
    const loader = await ParquetStreamingLoader.open(hive, { columns: ['region'], filters: { year: 2022 } })
    const footers = loader.getStats().parquet.bytesRead
    const rows = await loader.toDataset().toArray()
    expect(rows).toHaveLength(2000)
    expect(new Set(rows.map((r) => r.region))).toEqual(new Set(['eu west', 'us']))
    expect(loader.getStats().parquet.bytesRead).toBe(footers)
  })

  it('reads an array of paths in the order given', async () => {
    const ds = loadParquet([join(dir, 'b.parquet'), join(dir, 'a.parquet')], { batchSize: 150 })
    const ids = Array.from((await ds.collect()).column('id') as Int32Array)
    expect(ids).toEqual([
      ...Array.from({ length: 200 }, (_, i) => i),
      ...Array.from({ length: 300 }, (_, i) => i),
    ])
  })

  it('fails for a directory with no Parquet files, naming it', async () => {
    const err = await loadParquet(join(dir, 'empty'))
      .count()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect((err as NotFoundError).code).toBe('PARQUET_NO_FILES')
    expect((err as Error).message).toContain(join(dir, 'empty'))
  })

  it('fails for files with different columns, naming the odd one', async () => {
    const err = await new ParquetStreamingLoader(join(dir, 'mixed')).open().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FormatError)
    expect((err as FormatError).code).toBe('PARQUET_SCHEMA_MISMATCH')
    expect((err as Error).message).toContain(join(dir, 'mixed', '2.parquet'))
  })
})

describe('typePartitions', () => {
  it('types each key from all its values, with Hive nulls', () => {
    const columns = typePartitions([
      [
        ['i', '1'],
        ['f', '1.5'],
        ['b', 'true'],
        ['d', '2024-02-29'],
        ['s', '007x'],
      ],
      [
        ['i', '-20'],
        ['f', '2'],
        ['b', 'false'],
        ['d', '2024-03-01'],
        ['s', '__HIVE_DEFAULT_PARTITION__'],
      ],
    ])
    expect(columns.map((c) => c.field)).toEqual([
      { name: 'i', type: 'int32', nullable: false },
      { name: 'f', type: 'float64', nullable: false },
      { name: 'b', type: 'bool', nullable: false },
      { name: 'd', type: 'date', nullable: false },
      { name: 's', type: 'string', nullable: true },
    ])
    expect(columns.map((c) => c.values)).toEqual([
      [1, -20],
      [1.5, 2],
      [true, false],
      [new Date(Date.UTC(2024, 1, 29)), new Date(Date.UTC(2024, 2, 1))],
      ['007x', null],
    ])
  })

  it('keeps out-of-range integers and impossible dates as what they are', () => {
    const [big, date] = typePartitions([
      [
        ['big', '99999999999'],
        ['date', '2023-02-30'],
      ],
    ])
    expect(big?.field.type).toBe('float64')
    expect(date?.field.type).toBe('string')
  })
})
