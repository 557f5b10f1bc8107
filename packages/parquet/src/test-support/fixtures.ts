/**
 * Test helpers: temporary folders, DuckDB as an independent writer and oracle, hyparquet-writer
 * fixtures, open file descriptor counts, and a Range/ETag HTTP server on 127.0.0.1.
 */
import { createReadStream } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { fileWriter, ParquetWriter } from 'hyparquet-writer'

/** A fresh temporary folder; `cleanup()` removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sd-parquet-'))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Open file descriptors of this process. */
export async function openFds(): Promise<number> {
  return (await readdir('/proc/self/fd')).length
}

let instance: Promise<DuckDBConnection> | undefined

/** One in-memory DuckDB connection shared by a test file. */
export function duck(): Promise<DuckDBConnection> {
  instance ??= DuckDBInstance.create(':memory:').then((db) => db.connect())
  return instance
}

/** Runs a query and returns its rows as JS objects (bigints stay bigints). */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const con = await duck()
  const reader = await con.runAndReadAll(sql)
  return reader.getRowObjectsJS() as Record<string, unknown>[]
}

/** Runs a statement. */
export async function exec(sql: string): Promise<void> {
  const con = await duck()
  await con.run(sql)
}

/** A SQL string literal. */
export function lit(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** Deterministic benchmark-like columns for rows `[start, start + n)`. */
export function rowsOf(start: number, n: number) {
  const id = new Int32Array(n)
  const value = new Float64Array(n)
  const label: string[] = new Array(n)
  const flag: boolean[] = new Array(n)
  for (let k = 0; k < n; k++) {
    const i = start + k
    id[k] = i
    value[k] = i * 0.5
    label[k] = `label-${i % 7}`
    flag[k] = i % 3 === 0
  }
  return { id, value, label, flag }
}

/**
 * Writes `rows` rows (id, value, label, flag) with hyparquet-writer, in row groups of the given
 * sizes (the last size repeats).
 */
export async function writeHyparquet(path: string, rows: number, groups: number[]): Promise<void> {
  const columns = (c: ReturnType<typeof rowsOf>) => [
    { name: 'id', data: c.id, type: 'INT32' as const, nullable: false },
    { name: 'value', data: c.value, type: 'DOUBLE' as const, nullable: false },
    { name: 'label', data: c.label, type: 'STRING' as const, nullable: false },
    { name: 'flag', data: c.flag, type: 'BOOLEAN' as const, nullable: false },
  ]
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: [
      { name: 'root', num_children: 4 },
      { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'value', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'flag', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
    ],
  })
  let start = 0
  let g = 0
  while (start < rows) {
    const size = Math.min(groups[Math.min(g, groups.length - 1)] as number, rows - start)
    await writer.write({ columnData: columns(rowsOf(start, size)), rowGroupSize: size })
    start += size
    g++
  }
  await writer.finish()
}

/** A static file server on 127.0.0.1 answering Range requests with 206 and a fixed ETag. */
export async function fileServer(root: string): Promise<{
  url: (name: string) => string
  requests: () => number
  close: () => Promise<void>
}> {
  let count = 0
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    count++
    const path = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    let size: number
    try {
      size = (await stat(path)).size
    } catch {
      res.writeHead(404).end()
      return
    }
    const etag = `"${size}"`
    const match = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '')
    if (!match) {
      res.writeHead(200, { 'content-length': size, etag })
      createReadStream(path).pipe(res)
      return
    }
    const start = Number(match[1])
    const end = Math.min(match[2] ? Number(match[2]) : size - 1, size - 1)
    if (start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}`, etag }).end()
      return
    }
    res.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${size}`,
      'content-length': end - start + 1,
      etag,
    })
    createReadStream(path, { start, end }).pipe(res)
  }
  const server: Server = createServer((req, res) => {
    void handle(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
