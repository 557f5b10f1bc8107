import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FixedColumn, RecordBatch, StreamingDataset } from '@sd/core'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCsv } from './load.js'
import { duckdb, tempDir } from './test-support/files.js'
import { writeCsv } from './write.js'

const tmp = tempDir('sd-csv-write-')
afterAll(() => tmp.remove())

function sample(start: number, n: number): RecordBatch {
  const ids = Int32Array.from({ length: n }, (_, i) => start + i)
  return RecordBatch.fromColumns(
    {
      id: ids,
      big: BigInt64Array.from(ids, (i) => 2n ** 60n + BigInt(i)),
      x: Array.from(ids, (i) => (i % 4 === 0 ? null : i / 8)),
      label: Array.from(ids, (i) => ['plain', 'a,b', 'say "hi"', 'two\nlines', '', null][i % 6] ?? null),
      ok: Array.from(ids, (i) => (i % 5 === 0 ? null : i % 2 === 0)),
      ts: new FixedColumn(
        'timestamp',
        BigInt64Array.from(ids, (i) => 1_704_067_200_000_001n + BigInt(i)),
        undefined,
        { unit: 'us' },
      ),
      day: new FixedColumn(
        'date',
        Int32Array.from(ids, (i) => 19_723 + i),
      ),
    },
    [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'big', type: 'int64', nullable: false },
      { name: 'x', type: 'float64', nullable: true },
      { name: 'label', type: 'string', nullable: true },
      { name: 'ok', type: 'bool', nullable: true },
      { name: 'ts', type: 'timestamp', nullable: false, unit: 'us' },
      { name: 'day', type: 'date', nullable: false },
    ],
  )
}

describe('writeCsv', () => {
  it('writes values loadCsv reads back the same, batch after batch', async () => {
    const path = join(tmp.dir, 'out.csv')
    const result = await writeCsv(StreamingDataset.from([sample(0, 1500), sample(1500, 700)]), path)
    expect(result).toEqual({ path, numRows: 2200, fileSizeBytes: readFileSync(path).length })
    const text = readFileSync(path, 'utf8')
    expect(text.split('\n').slice(0, 3)).toEqual([
      'id,big,x,label,ok,ts,day',
      '0,1152921504606846976,,plain,,2024-01-01T00:00:00.000001Z,2024-01-01',
      '1,1152921504606846977,0.125,"a,b",false,2024-01-01T00:00:00.000002Z,2024-01-02',
    ])
    const rows = await loadCsv(path, { batchSize: 5000 }).toArray()
    expect(rows).toHaveLength(2200)
    const expected = [...sample(0, 1500).rows(), ...sample(1500, 700).rows()]
    for (const [i, row] of rows.entries()) {
      const want = expected[i] as Record<string, unknown>
      expect(row.id).toBe(want.id)
      expect(row.big).toBe(want.big)
      expect(row.x).toBe(want.x)
      // loadCsv reads an empty field of a string column as '' (quoted or not)
      expect(row.label).toBe(want.label ?? '')
      expect(row.ok).toBe(want.ok)
    }
  })

  it('writes a file DuckDB reads with the same values', async () => {
    const path = join(tmp.dir, 'duck.csv')
    await writeCsv([sample(0, 60)], path)
    const [counts] = await duckdb(
      `SELECT count(*)::INTEGER, sum(id)::INTEGER, count(x)::INTEGER, sum(x)::DOUBLE,
        count(label)::INTEGER, sum(length(label))::INTEGER, count(ok)::INTEGER,
        max(ts)::VARCHAR, max(day)::VARCHAR, max(big)::VARCHAR
        FROM read_csv('${path}', header = true, quote = '"', escape = '"', allow_quoted_nulls = false,
          types = {'ts': 'TIMESTAMP', 'day': 'DATE', 'big': 'BIGINT', 'label': 'VARCHAR'})`,
    )
    const batch = sample(0, 60)
    const xs = batch.data('x')
    const x = Array.from({ length: xs.length }, (_, i) => xs.get(i)).filter((v) => v !== null) as number[]
    const labels = (batch.column('label') as (string | null)[]).filter((v) => v !== null) as string[]
    expect(counts).toEqual([
      60,
      (59 * 60) / 2,
      x.length,
      x.reduce((a, b) => a + b, 0),
      // with allow_quoted_nulls off, DuckDB reads "" as an empty string and an empty field as null
      labels.length,
      labels.reduce((a, b) => a + b.length, 0),
      48,
      '2024-01-01 00:00:00.00006',
      '2024-02-29',
      String(2n ** 60n + 59n),
    ])
  })

  it('takes another delimiter, no header, a null text and CRLF', async () => {
    const path = join(tmp.dir, 'semi.csv')
    const batch = RecordBatch.fromColumns({ a: ['x;y', null, 'NA'], b: Int32Array.of(1, 2, 3) })
    await writeCsv([batch], path, { delimiter: ';', header: false, nullValue: 'NA', lineEnding: '\r\n' })
    expect(readFileSync(path, 'utf8')).toBe('"x;y";1\r\nNA;2\r\n"NA";3\r\n')
  })

  it('writes the header of a dataset without rows', async () => {
    const source = tmp.write('only.csv', 'id,name\n1,a\n')
    const path = join(tmp.dir, 'empty.csv')
    await writeCsv(
      loadCsv(source).filter(() => false),
      path,
    )
    expect(readFileSync(path, 'utf8')).toBe('id,name\n')
  })

  it('refuses a bad option before touching the file', async () => {
    const path = join(tmp.dir, 'kept.csv')
    writeFileSync(path, 'old')
    await expect(writeCsv([], path, { delimiter: ';;' })).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    await expect(writeCsv([], path, { delimiter: '"' })).rejects.toMatchObject({ code: 'INVALID_OPTION' })
    expect(readFileSync(path, 'utf8')).toBe('old')
  })
})
