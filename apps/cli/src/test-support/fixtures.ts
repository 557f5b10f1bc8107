import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

/** A temporary folder for one test file. */
export function tempDir(): { dir: string; path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sd-cli-'))
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs SQL statements in a fresh in-memory DuckDB; the rows of the last one, as JS values. */
export async function duckdb(...statements: string[]): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    let rows: unknown[][] = []
    for (const sql of statements) rows = (await connection.runAndReadAll(sql)).getRowsJS() as unknown[][]
    return rows
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/** Rows of the table every test file starts from: ints, decimals, strings with commas and quotes, nulls, timestamps, int64. */
export const EVENTS_SQL = (rows: number) => `CREATE TABLE events AS SELECT
  i::INTEGER AS id,
  (i * 0.25)::DOUBLE AS value,
  CASE WHEN i % 11 = 0 THEN 'say "hi", ' || i ELSE 'name-' || (i % 7) END AS name,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 = 0 END AS flag,
  TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS ts,
  (i::BIGINT * 1000000000000) AS big
  FROM range(0, ${rows}) r(i)`
