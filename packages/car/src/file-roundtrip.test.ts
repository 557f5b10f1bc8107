import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { loadCsv } from '@sd/csv'
import { loadJson } from '@sd/json'
import { beforeAll, describe, expect, it } from 'vitest'
import { serveGateway } from './gateway-server.js'
import { loadCar } from './load.js'
import type { FileManifest } from './manifest.js'
import { openCar } from './open-car.js'
import { packFile } from './pack.js'
import { duckdb } from './test-support/duckdb.js'
import { tempDir } from './test-support/files.js'

const dir = tempDir()
const ROWS = 30_000
const files = {
  parquet: join(dir, 't.parquet'),
  csv: join(dir, 't.csv'),
  ndjson: join(dir, 't.ndjson'),
}

beforeAll(async () => {
  await duckdb(
    `CREATE TABLE t AS SELECT i::BIGINT AS id, i * 0.5 AS x, (i % 7)::INTEGER AS k,
      CASE WHEN i % 9 = 0 THEN 'q"' || i || chr(10) || 'line' ELSE 'label-' || i END AS label, i % 2 = 0 AS flag
      FROM range(${ROWS}) r(i)`,
    `COPY t TO '${files.parquet}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`,
    `COPY t TO '${files.csv}' (HEADER)`,
    `COPY t TO '${files.ndjson}' (FORMAT json)`,
  )
})

async function packed(format: keyof typeof files): Promise<{ car: string; manifest: FileManifest }> {
  const car = join(dir, `${format}.car`)
  const result = await packFile(files[format], car, { batchRows: 5000 })
  return { car, manifest: result.manifest }
}

describe.each(Object.keys(files) as (keyof typeof files)[])('a DuckDB-written %s file', (format) => {
  it('comes back byte for byte, every block checked', async () => {
    const { car, manifest } = await packed(format)
    expect(manifest.format).toBe(format)
    expect(manifest.numRows).toBe(ROWS)
    expect(manifest.schema?.map((f) => f.name)).toEqual(['id', 'x', 'k', 'label', 'flag'])
    const reader = await openCar(car)
    try {
      expect((await reader.verify()).ok).toBe(true)
      const out = join(dir, `${format}.out`)
      const exported = await reader.exportFile(out)
      expect(readFileSync(out).equals(readFileSync(files[format]))).toBe(true)
      expect(exported.sha256).toBe(manifest.sha256)
    } finally {
      await reader.close()
    }
  })
})

describe('batches in the manifest', () => {
  it('Parquet: the row groups, with the byte spans DuckDB reports', async () => {
    const { manifest } = await packed('parquet')
    const groups = await duckdb(
      `SELECT row_group_id, any_value(row_group_num_rows)::BIGINT,
         min(coalesce(dictionary_page_offset, data_page_offset))::BIGINT,
         max(coalesce(dictionary_page_offset, data_page_offset) + total_compressed_size)::BIGINT
       FROM parquet_metadata('${files.parquet}') GROUP BY row_group_id ORDER BY row_group_id`,
    )
    let row = 0
    expect(manifest.batches).toEqual(
      groups.map(([, rows, start, end]) => {
        const batch = {
          rowStart: row,
          rowEnd: row + Number(rows),
          byteStart: Number(start),
          byteEnd: Number(end),
        }
        row += Number(rows)
        return batch
      }),
    )
    expect(manifest.batches.length).toBeGreaterThan(5)
  })

  it.each(['csv', 'ndjson'] as const)(
    '%s: line-aligned ranges that DuckDB reads as exactly their rows',
    async (format) => {
      const { manifest } = await packed(format)
      const bytes = readFileSync(files[format])
      expect(manifest.batches).toHaveLength(Math.ceil(ROWS / 5000))
      const header = manifest.header
        ? bytes.subarray(manifest.header.byteStart, manifest.header.byteEnd)
        : Buffer.alloc(0)
      if (format === 'csv') expect(header.toString()).toBe('id,x,k,label,flag\n')
      for (const [i, batch] of manifest.batches.entries()) {
        const part = join(dir, `part-${i}.${format}`)
        writeFileSync(part, Buffer.concat([header, bytes.subarray(batch.byteStart, batch.byteEnd)]))
        const reader = format === 'csv' ? `read_csv('${part}', header = true)` : `read_ndjson('${part}')`
        const [[count, first]] = (await duckdb(
          `SELECT count(*)::INTEGER, min(id)::INTEGER FROM ${reader}`,
        )) as [[number, number]]
        expect([count, first]).toEqual([batch.rowEnd - batch.rowStart, batch.rowStart])
      }
    },
  )
})

describe('loadCar over packed CSV and NDJSON', () => {
  it.each(['csv', 'ndjson'] as const)(
    '%s: reads what the format package reads from the file, and one batch alone',
    async (format) => {
      const { car, manifest } = await packed(format)
      const direct =
        format === 'csv'
          ? await loadCsv(files.csv).collect()
          : await loadJson(files.ndjson, { format: 'ndjson' }).collect()
      const all = await loadCar(car).collect()
      expect(all.numRows).toBe(ROWS)
      expect(all.schema).toEqual(direct.schema)
      expect(all.rows()).toEqual(direct.rows())
      const batch = manifest.batches[2] as FileManifest['batches'][number]
      const one = await loadCar(car, { batches: [2], columns: ['id', 'label'] }).collect()
      expect(one.numRows).toBe(batch.rowEnd - batch.rowStart)
      expect(one.rows().slice(0, 2)).toEqual(
        direct
          .select(['id', 'label'])
          .rows()
          .slice(batch.rowStart, batch.rowStart + 2),
      )
    },
  )
})

describe('a gzip CSV', () => {
  it('is packed whole (no line ranges in compressed bytes) and read back through @sd/csv', async () => {
    const gz = join(dir, 't.csv.gz')
    writeFileSync(gz, gzipSync(readFileSync(files.csv)))
    const car = join(dir, 'gz.car')
    const { manifest } = await packFile(gz, car, { format: 'csv' })
    expect(manifest).toMatchObject({ format: 'csv', batches: [], numRows: undefined, header: undefined })
    expect(await loadCar(car).count()).toBe(ROWS)
    expect((await packFile(gz, join(dir, 'gz-auto.car'))).manifest.format).toBe('none')
  })
})

describe('a bare UnixFS file (no sd manifest), as other IPFS tools add files', () => {
  it('is read by the format its bytes tell, or the one named; through a gateway by its file CID', async () => {
    const parquet = await packFile(files.parquet, join(dir, 'bare-p.car'))
    const csv = await packFile(files.csv, join(dir, 'bare-c.car'))
    const gateway = await serveGateway({ cars: [join(dir, 'bare-p.car'), join(dir, 'bare-c.car')] })
    try {
      const fromFile = loadCar(`${gateway.url}/ipfs/${parquet.file}`, { columns: ['id', 'k'] })
      expect(await fromFile.count()).toBe(ROWS)
      await expect(fromFile.schema()).resolves.toHaveLength(2)
      await expect(loadCar(`${gateway.url}/ipfs/${csv.file}`).count()).rejects.toMatchObject({
        code: 'UNSUPPORTED',
      })
      expect(await loadCar(`${gateway.url}/ipfs/${csv.file}`, { format: 'csv' }).count()).toBe(ROWS)
      await expect(
        loadCar(`${gateway.url}/ipfs/${csv.file}`, { format: 'csv', batches: [0] }).count(),
      ).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      })
    } finally {
      await gateway.close()
    }
  })
})
