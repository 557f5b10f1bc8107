import { closeSync, createReadStream, openSync, readdirSync, readSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet'
import type { DatasetInfo, Format } from './types.js'

/** A user's input the harness cannot benchmark; the CLI prints the message and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

const EXTENSIONS: Record<string, Format> = {
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'ndjson',
  '.npy': 'vectors',
  '.f32': 'vectors',
  '.fbin': 'vectors',
  '.vec': 'vectors',
}

/** The format a path names by its extension (a directory holding `.parquet` files is Parquet). */
export function formatOf(path: string): Format | undefined {
  const found = EXTENSIONS[extname(path).toLowerCase()]
  if (found) return found
  try {
    if (statSync(path).isDirectory() && parquetFilesIn(path).length > 0) return 'parquet'
  } catch {
    return undefined
  }
  return undefined
}

/** Every `*.parquet` file below `dir`, sorted (the order `loadParquet` reads them in). */
export function parquetFilesIn(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.parquet')) {
      out.push(join(entry.parentPath, entry.name))
    }
  }
  return out.sort()
}

/** Describes a user's file for the harness; throws {@link UsageError} when it cannot be benchmarked. */
export function describeInput(path: string, dimension: number | undefined): DatasetInfo {
  let size: number
  let isDir: boolean
  try {
    const st = statSync(path)
    isDir = st.isDirectory()
    size = isDir ? parquetFilesIn(path).reduce((sum, f) => sum + statSync(f).size, 0) : st.size
  } catch (err) {
    throw new UsageError(`Cannot read ${path}: ${(err as Error).message}`)
  }
  const format = formatOf(path)
  if (!format) {
    throw new UsageError(
      `Cannot tell the format of ${path}: expected a .parquet, .csv, .tsv, .ndjson, .jsonl, .json, .npy or .f32 file${isDir ? ' (or a folder of .parquet files)' : ''}`,
    )
  }
  const info: DatasetInfo = { format, path, sizeBytes: size, generated: false }
  if (format === 'csv' && extname(path).toLowerCase() === '.tsv') info.delimiter = '\t'
  if (format !== 'vectors') return info
  if (extname(path).toLowerCase() === '.npy') {
    const header = readNpyHeader(path)
    info.dimension = header.dimension
    info.headerBytes = header.dataOffset
    info.rows = header.rows
    return info
  }
  if (!dimension) {
    throw new UsageError(`${path} is a raw float32 vector file: pass its --dimension (floats per vector)`)
  }
  if (size % (dimension * 4) !== 0) {
    throw new UsageError(
      `${path} holds ${size} bytes, not a whole number of ${dimension}-float vectors (${dimension * 4} bytes each)`,
    )
  }
  info.dimension = dimension
  info.headerBytes = 0
  info.rows = size / (dimension * 4)
  return info
}

/** Shape and data offset of a NumPy `.npy` file of little-endian float32 rows. */
export function readNpyHeader(path: string): { rows: number; dimension: number; dataOffset: number } {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(4096)
    const n = readSync(fd, head, 0, head.length, 0)
    if (n < 10 || head.toString('latin1', 0, 6) !== '\x93NUMPY') {
      throw new UsageError(`${path} is not a NumPy .npy file (no \\x93NUMPY magic at byte 0)`)
    }
    const major = head[6]
    const lenBytes = major === 1 ? 2 : 4
    const headerLen = lenBytes === 2 ? head.readUInt16LE(8) : head.readUInt32LE(8)
    const dataOffset = 8 + lenBytes + headerLen
    const dict = head.toString('latin1', 8 + lenBytes, Math.min(n, dataOffset))
    if (!/'descr':\s*'<f4'/.test(dict)) {
      throw new UsageError(`${path}: expected float32 vectors ('descr': '<f4'), found header ${dict.trim()}`)
    }
    if (/'fortran_order':\s*True/.test(dict)) {
      throw new UsageError(`${path}: expected C order vectors, found fortran_order True`)
    }
    const shape = /'shape':\s*\((\d+),\s*(\d+)\s*\)/.exec(dict)
    if (!shape)
      throw new UsageError(`${path}: expected a 2-D shape (n, d) in the header, found ${dict.trim()}`)
    return { rows: Number(shape[1]), dimension: Number(shape[2]), dataOffset }
  } finally {
    closeSync(fd)
  }
}

/**
 * Rows in a tabular file, counted cheaply: Parquet footers, or line ends for CSV (less the header)
 * and NDJSON. The harness uses it to turn records read into the file's share of bytes; a CSV
 * with quoted line breaks makes it an estimate.
 */
export async function countRows(info: DatasetInfo): Promise<number> {
  if (info.format === 'parquet') {
    const files = statSync(info.path).isDirectory() ? parquetFilesIn(info.path) : [info.path]
    let rows = 0
    for (const name of files) {
      const file = await asyncBufferFromFile(name)
      rows += Number((await parquetMetadataAsync(file)).num_rows)
    }
    return rows
  }
  let lines = 0
  let last = 10
  const stream = createReadStream(info.path, { highWaterMark: 1 << 20 })
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
    if (chunk.length > 0) last = chunk[chunk.length - 1] as number
  }
  if (last !== 10) lines++
  return info.format === 'csv' ? Math.max(0, lines - 1) : lines
}
