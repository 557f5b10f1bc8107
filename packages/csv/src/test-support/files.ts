import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'

/** A temporary folder for one test file's fixtures, and a function to write into it. */
export function tempDir(prefix = 'sd-csv-'): {
  dir: string
  write(name: string, content: string | Uint8Array): string
  remove(): void
} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    write(name, content) {
      const path = join(dir, name)
      writeFileSync(path, content)
      return path
    },
    remove() {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Open file descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length
}

/** Runs `sql` statements in a fresh in-memory DuckDB and returns the rows of the last one. */
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

/** A CSV field quoted when it has to be (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}
