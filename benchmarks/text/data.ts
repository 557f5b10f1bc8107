/**
 * The CSV and NDJSON benchmark files, written by DuckDB once per size and reused:
 * - `five`: rows x (id BIGINT, value DOUBLE, n INTEGER, label VARCHAR of 1,000 distinct values,
 *   flag BOOLEAN), the rows of the Parquet benchmark;
 * - `wide`: 50 columns (10 BIGINT, 20 DOUBLE, 10 VARCHAR, 10 BOOLEAN).
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

const sql = (path: string) => `'${path.replaceAll("'", "''")}'`

export type TextFormat = 'csv' | 'ndjson'

async function duckCopy(select: string, path: string, format: TextFormat): Promise<string> {
  if (existsSync(path)) return path
  const tmp = `${path}.partial-${process.pid}`
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  try {
    const how = format === 'csv' ? '(FORMAT csv, HEADER)' : '(FORMAT json)'
    await con.run(`COPY (${select}) TO ${sql(tmp)} ${how}`)
  } finally {
    con.closeSync()
  }
  renameSync(tmp, path)
  return path
}

/** The five-column file. */
export function fiveColumnText(dir: string, rows: number, format: TextFormat): Promise<string> {
  mkdirSync(dir, { recursive: true })
  return duckCopy(
    `SELECT i::BIGINT AS id, (hash(i) % 1000000) / 1000.0 AS value, (i % 100000)::INTEGER AS n,
      'label-' || (hash(i * 7) % 1000) AS label, (i % 3 = 0) AS flag FROM range(${rows}) t(i)`,
    join(dir, `five-${rows}.${format}`),
    format,
  )
}

/** The 50-column file. */
export function wideText(dir: string, rows: number, format: TextFormat): Promise<string> {
  mkdirSync(dir, { recursive: true })
  const columns: string[] = []
  for (let k = 0; k < 10; k++) columns.push(`(hash(i + ${k}) % 1000000)::BIGINT AS b${k}`)
  for (let k = 0; k < 20; k++) columns.push(`(hash(i * ${k + 3}) % 100000000) / 10000.0 AS d${k}`)
  for (let k = 0; k < 10; k++) columns.push(`'s' || (hash(i + ${k * 97}) % 5000) AS s${k}`)
  for (let k = 0; k < 10; k++) columns.push(`((i + ${k}) % ${k + 2} = 0) AS f${k}`)
  return duckCopy(
    `SELECT ${columns.join(', ')} FROM range(${rows}) t(i)`,
    join(dir, `wide50-${rows}.${format}`),
    format,
  )
}
