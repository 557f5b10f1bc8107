import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { writeCar } from '@sd/car'
import { answerRange, serve } from '@sd/core/testing'
import { createMemoryMappedVectors } from '@sd/mmap-vectors'
import { loadParquet } from '@sd/parquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { duckdb, EVENTS_SQL, tempDir } from './test-support/fixtures.js'
import { sd, sdJson } from './test-support/run.js'

const tmp = tempDir()
afterAll(() => tmp.remove())
const ROWS = 9000
const parquet = tmp.path('events.parquet')
const ndjson = tmp.path('events.ndjson')
const car = tmp.path('events.car')

beforeAll(async () => {
  await duckdb(
    EVENTS_SQL(ROWS),
    `COPY events TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 4000, COMPRESSION zstd)`,
    `COPY events TO '${ndjson}' (FORMAT json)`,
  )
  // the CAR is only what inspect reads here: written in this process (convert has its own tests)
  await writeCar(loadParquet(parquet, { batchSize: 3000 }), car)
})

interface ParquetReport {
  format: string
  rows: number
  sizeBytes: number
  schema: { name: string; type: string }[]
  rowGroups: { rows: number }[]
  columns: { name: string; codecs: string[]; nulls: number; min: unknown; max: unknown }[]
}

describe.concurrent('sd inspect', () => {
  it('reports a Parquet file: rows, schema, row groups, codecs and the statistics DuckDB reads', async () => {
    const report = await sdJson<ParquetReport>(['inspect', parquet])
    const [[groups, groupRows]] = (await duckdb(
      `SELECT count(DISTINCT row_group_id)::INTEGER, list(DISTINCT row_group_num_rows::INTEGER ORDER BY row_group_num_rows::INTEGER) FROM parquet_metadata('${parquet}')`,
    )) as [[number, number[]]]
    expect(report.format).toBe('parquet')
    expect(report.rows).toBe(ROWS)
    expect(report.schema.map((f) => `${f.name}:${f.type}`)).toEqual([
      'id:int32',
      'value:float64',
      'name:string',
      'flag:bool',
      'ts:timestamp',
      'big:int64',
    ])
    expect(report.rowGroups).toHaveLength(groups)
    expect([...new Set(report.rowGroups.map((g) => g.rows))].sort((a, b) => a - b)).toEqual(groupRows)
    const id = report.columns.find((c) => c.name === 'id')
    const flag = report.columns.find((c) => c.name === 'flag')
    const big = report.columns.find((c) => c.name === 'big')
    expect(id).toMatchObject({ codecs: ['ZSTD'], nulls: 0, min: 0, max: ROWS - 1 })
    expect(flag?.nulls).toBe(ROWS / 5)
    // int64 statistics keep every digit in the JSON
    expect(big?.max).toBe((ROWS - 1) * 1_000_000_000_000)
  })

  it('prints the same report as tables', async () => {
    const run = await sd(['inspect', parquet])
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(
      /^source +.*events\.parquet\nformat +parquet\nsize +\S+ kB \([\d,]+ bytes\)\nrows +9,000\nrow groups +\d+\n/,
    )
    expect(run.stdout).toMatch(/│ big +│ int64 +│ INT64 +│ ZSTD +│.*│ 0 +│ 8999000000000000 +│/)
  })

  it('counts the rows of NDJSON and types its columns', async () => {
    const report = await sdJson<{ rows: number; schema: { name: string; type: string }[] }>([
      'inspect',
      ndjson,
    ])
    expect(report.rows).toBe(ROWS)
    // integers past int32 are int64; DuckDB writes timestamps as strings
    expect(report.schema.map((f) => f.type)).toEqual([
      'int32',
      'float64',
      'string',
      'bool',
      'string',
      'int64',
    ])
  })

  it('reports a CAR: roots, layout, rows, column statistics and blocks by codec', async () => {
    const report = await sdJson<{
      roots: string[]
      content: string
      layout: string
      rows: number
      manifest: { batches: number }
      columns: { name: string; nulls: number; min: number; max: number }[]
      blocks: { total: number; byCodec: { codec: string; blocks: number }[] }
    }>(['inspect', car])
    expect(report).toMatchObject({
      content: 'dataset',
      layout: 'batches',
      rows: ROWS,
      manifest: { batches: 3 },
    })
    expect(report.roots).toHaveLength(1)
    expect(report.columns.find((c) => c.name === 'id')).toMatchObject({ nulls: 0, min: 0, max: ROWS - 1 })
    expect(report.columns.find((c) => c.name === 'flag')?.nulls).toBe(ROWS / 5)
    expect(report.blocks.total).toBe(report.blocks.byCodec.reduce((n, c) => n + c.blocks, 0))
    expect(report.blocks.byCodec.map((c) => c.codec)).toContain('dag-cbor')
  })

  it('reads Parquet and NDJSON over HTTP, by range requests for Parquet', async () => {
    const files: Record<string, Uint8Array> = {
      '/events.parquet': readFileSync(parquet),
      '/events.ndjson': readFileSync(ndjson),
    }
    const server = await serve((req, res) => {
      const body = files[req.url ?? '']
      if (body) answerRange(req, res, body, { etag: '"v1"' })
      else res.writeHead(404).end()
    })
    try {
      const [pq, nd] = await Promise.all([
        sdJson<ParquetReport>(['inspect', server.url('/events.parquet')]),
        sdJson<{ rows: number; sizeBytes: number }>(['inspect', server.url('/events.ndjson')]),
      ])
      expect([pq.rows, pq.sizeBytes]).toEqual([ROWS, files['/events.parquet']?.length])
      expect(nd).toMatchObject({ rows: ROWS, sizeBytes: files['/events.ndjson']?.length })
      // the Parquet footer and row group bytes came in ranges, never the whole file
      expect(
        server.seen.filter((r) => r.path === '/events.parquet').every((r) => r.range !== undefined),
      ).toBe(true)
    } finally {
      await server.close()
    }
  })

  it('reports a .npy file: its dimension, count and where its data starts', async () => {
    const npy = tmp.path('vectors.npy')
    const values = Float32Array.from({ length: 37 * 12 }, (_, i) => Math.sin(i))
    createMemoryMappedVectors(npy, { dimension: 12, initialVectors: values }).close()
    const bytes = readFileSync(npy)
    // the .npy header: magic, version, a little-endian header length, the header
    const dataOffset = 10 + bytes.readUInt16LE(8)
    const report = await sdJson(['inspect', npy])
    expect(report).toEqual({
      format: 'vectors',
      source: npy,
      sizeBytes: bytes.length,
      fileFormat: 'npy',
      dimension: 12,
      count: 37,
      dataOffset,
      dtype: 'float32',
    })
    expect(bytes.length - dataOffset).toBe(values.byteLength)
    const text = await sd(['inspect', npy])
    expect(text.stdout).toMatch(/^format +vectors \(npy, float32\)\n.*\ndimension +12\ncount +37\n/m)
  })

  it('reports a raw float32 file given its --dimension, whole vectors only', async () => {
    const raw = tmp.path('vectors.f32')
    writeFileSync(
      raw,
      Float32Array.from({ length: 50 * 8 }, (_, i) => i / 7),
    )
    // 400 values are 57 whole vectors of 7 and one value over: counted as whole rows, with a warning
    const odd = await sd(['inspect', raw, '--dimension', '7', '--json'])
    expect(odd.status, odd.stderr).toBe(0)
    expect(JSON.parse(odd.stdout)).toEqual({
      format: 'vectors',
      source: raw,
      sizeBytes: statSync(raw).size,
      fileFormat: 'raw',
      dimension: 7,
      count: 57,
      dataOffset: 0,
      dtype: 'float32',
    })
    expect(odd.stderr).toContain('4 bytes after the last whole 7-dimensional vector are ignored')
  })

  it('says NOT_FOUND in one line, exit status 1, for a missing file', async () => {
    const missing = tmp.path('missing.parquet')
    const run = await sd(['inspect', missing])
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      `sd: NOT_FOUND: No such file or directory: expected ${missing} to exist (at file "${missing}")\n`,
    )
  })
})
