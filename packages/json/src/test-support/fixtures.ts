import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { StreamingDataset } from '@sd/core'

/** A temporary folder for a test file's fixtures. */
export interface Fixtures {
  dir: string
  /** Writes `content` to `name` in the folder and returns its path. */
  write(name: string, content: string | Uint8Array): string
  /** A path in the folder (not written). */
  path(name: string): string
  remove(): void
}

/** Makes a {@link Fixtures} folder under the OS temp dir. */
export function fixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'sd-json-test-'))
  return {
    dir,
    write(name, content) {
      const file = join(dir, name)
      writeFileSync(file, content)
      return file
    },
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** Number of open file descriptors of this process. */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length
}

/** Runs `statements` in a fresh in-memory DuckDB; returns the rows of the last one as JS values. */
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

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; location?: Record<string, unknown> }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection, but the promise resolved')
}

/** The batches of one pass. */
export async function batchesOf(ds: StreamingDataset) {
  const out = []
  for await (const batch of ds) out.push(batch)
  return out
}
