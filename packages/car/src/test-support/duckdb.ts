import { DuckDBInstance } from '@duckdb/node-api'

/** Runs `sql` statements in a fresh in-memory DuckDB (an independent writer and oracle) and returns the rows of the last one. */
export async function duckdb(...sql: string[]): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    let rows: unknown[][] = []
    for (const statement of sql) rows = (await connection.runAndReadAll(statement)).getRowsJS() as unknown[][]
    return rows
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}
