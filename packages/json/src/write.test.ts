import { readFileSync, writeFileSync } from 'node:fs'
import { FixedColumn, RecordBatch, StreamingDataset, VectorColumn } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadJson } from './load.js'
import { duckdb, fixtures } from './test-support/fixtures.js'
import { writeJson } from './write.js'

const files = fixtures()
afterAll(() => files.remove())

function sample(start: number, n: number): RecordBatch {
  const ids = Int32Array.from({ length: n }, (_, i) => start + i)
  return RecordBatch.fromColumns(
    {
      id: ids,
      big: BigInt64Array.from(ids, (i) => 2n ** 40n + BigInt(i)),
      x: Array.from(ids, (i) => (i % 4 === 0 ? null : i / 8)),
      label: Array.from(ids, (i) => ['plain', 'quote " and \\', 'two\nlines', 'ünï', null][i % 5] ?? null),
      ok: Array.from(ids, (i) => (i % 5 === 0 ? null : i % 2 === 0)),
      ts: new FixedColumn(
        'timestamp',
        BigInt64Array.from(ids, (i) => 1_704_067_200_000_000_001n + BigInt(i)),
        undefined,
        { unit: 'ns' },
      ),
      day: new FixedColumn(
        'date',
        Int32Array.from(ids, (i) => 19_723 + i),
      ),
      tags: Array.from(ids, (i) => ({ n: i, list: [i % 3, 'x'] })),
    },
    [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'big', type: 'int64', nullable: false },
      { name: 'x', type: 'float64', nullable: true },
      { name: 'label', type: 'string', nullable: true },
      { name: 'ok', type: 'bool', nullable: true },
      { name: 'ts', type: 'timestamp', nullable: false, unit: 'ns' },
      { name: 'day', type: 'date', nullable: false },
      { name: 'tags', type: 'json', nullable: false },
    ],
  )
}

describe('writeJson', () => {
  it('writes NDJSON that loadJson reads back, batch after batch', async () => {
    const path = files.path('out.ndjson')
    const result = await writeJson(StreamingDataset.from([sample(0, 1500), sample(1500, 500)]), path)
    expect(result).toEqual({ path, numRows: 2000, fileSizeBytes: readFileSync(path).length })
    const lines = readFileSync(path, 'utf8').split('\n')
    expect(lines[1]).toBe(
      '{"id":1,"big":1099511627777,"x":0.125,"label":"quote \\" and \\\\","ok":false,' +
        '"ts":"2024-01-01T00:00:00.000000002Z","day":"2024-01-02","tags":{"n":1,"list":[1,"x"]}}',
    )
    const rows = await loadJson(path, { batchSize: 4096 }).toArray()
    const expected = [...sample(0, 1500).rows(), ...sample(1500, 500).rows()]
    expect(rows).toHaveLength(2000)
    for (const [i, row] of rows.entries()) {
      const want = expected[i] as Record<string, unknown>
      expect([row.id, row.big, row.x, row.label, row.ok, row.tags]).toEqual([
        want.id,
        want.big,
        want.x,
        want.label,
        want.ok,
        want.tags,
      ])
    }
  })

  it('writes a JSON array document DuckDB reads with the same values', async () => {
    const path = files.path('out.json')
    await writeJson([sample(0, 50)], path, { format: 'array' })
    expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveLength(50)
    const [answer] = await duckdb(
      `SELECT count(*)::INTEGER, sum(id)::INTEGER, count(x)::INTEGER, count(label)::INTEGER,
        sum(ok::INTEGER)::INTEGER, max(day)::VARCHAR, max(big)::VARCHAR
        FROM read_json('${path}', format = 'array')`,
    )
    expect(answer).toEqual([50, (49 * 50) / 2, 37, 40, 20, '2024-02-19', String(2n ** 40n + 49n)])
  })

  it('writes vectors as arrays and non-finite numbers as null', async () => {
    const path = files.path('vectors.ndjson')
    const batch = RecordBatch.fromColumns({
      v: new VectorColumn(Float32Array.of(1, 0.5, Number.NaN, 2), 2),
      f: Float64Array.of(Number.POSITIVE_INFINITY, -0.25),
    })
    await writeJson([batch], path)
    expect(readFileSync(path, 'utf8')).toBe('{"v":[1,0.5],"f":null}\n{"v":[null,2],"f":-0.25}\n')
  })

  it('writes an empty array for no rows, and refuses a bad format before touching the file', async () => {
    const path = files.path('empty.json')
    await writeJson([], path, { format: 'array' })
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([])
    writeFileSync(path, 'old')
    await expect(writeJson([], path, { format: 'csv' as 'array' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    })
    expect(readFileSync(path, 'utf8')).toBe('old')
  })
})
