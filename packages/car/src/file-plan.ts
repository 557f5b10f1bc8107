import { basename, extname } from 'node:path'
import type { Field } from '@sd/core'
import { importPeer, ValidationError } from '@sd/core'
import type { FileBatch, FileFormat } from './manifest.js'

/** What a format package tells about a file before it is packed. */
export interface FilePlan {
  format: FileFormat
  schema: Field[] | undefined
  numRows: number | undefined
  /** Parquet row groups (text formats find their batches while the bytes stream by). */
  batches: FileBatch[] | undefined
  /** True when CSV/NDJSON batches are to be found by scanning lines. */
  scanLines: 'csv' | 'ndjson' | undefined
}

const PAR1 = [0x50, 0x41, 0x52, 0x31]

/**
 * The format of a file: Parquet by its `PAR1` magic (or `.parquet` name), CSV by `.csv`, NDJSON
 * by `.ndjson`/`.jsonl` (or a `.json` file whose first byte is not `[`), a JSON array document by a
 * `.json` file starting with `[`; anything else, and any gzip file, is `'none'`.
 */
export function detectFormat(path: string, head: Uint8Array): FileFormat {
  if (PAR1.every((b, i) => head[i] === b)) return 'parquet'
  if (head[0] === 0x1f && head[1] === 0x8b) return 'none'
  const ext = extname(path).toLowerCase()
  if (ext === '.parquet' || ext === '.pq') return 'parquet'
  if (ext === '.csv') return 'csv'
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson'
  if (ext === '.json') return firstNonSpace(head) === 0x5b ? 'json' : 'ndjson'
  return 'none'
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (b === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) {
      i += 2
      continue
    }
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b
  }
  return undefined
}

type ParquetModule = typeof import('@sd/parquet')
type CsvModule = typeof import('@sd/csv')
type JsonModule = typeof import('@sd/json')

/**
 * Asks the format package what the file holds: a Parquet footer's schema and row groups; the
 * schema of CSV and JSON (whose batches come from the line scan). The package is an optional
 * peer: when it is missing, an `SdError` `MISSING_PEER` names it (pack with `format: 'none'` to
 * store the bytes alone).
 */
export async function planFile(path: string, format: FileFormat, signal?: AbortSignal): Promise<FilePlan> {
  const name = basename(path)
  const base = { format, schema: undefined, numRows: undefined, batches: undefined, scanLines: undefined }
  const opts = { cacheEnabled: false, prefetchBatches: 0, ...(signal ? { signal } : {}) }
  switch (format) {
    case 'none':
      return base
    case 'parquet': {
      const pq = await importPeer<ParquetModule>(
        '@sd/parquet',
        `Packing the Parquet file ${name} with its row groups`,
        () => import('@sd/parquet'),
      )
      const loader = new pq.ParquetStreamingLoader(path, opts)
      const meta = await loader.getMetadata()
      const file = meta.files[0]
      if (!file || meta.files.length !== 1) {
        throw new ValidationError(`Expected one Parquet file, got ${meta.files.length}`, {
          code: 'INVALID_SOURCE',
          location: { file: path },
        })
      }
      let row = 0
      const batches = file.rowGroups.map((g) => {
        const batch = { rowStart: row, rowEnd: row + g.numRows, byteStart: g.byteStart, byteEnd: g.byteEnd }
        row += g.numRows
        return batch
      })
      return { ...base, schema: meta.schema, numRows: meta.numRows, batches }
    }
    case 'csv': {
      // the import is written here so that it resolves from this package, where the peer is installed
      const csv = await importPeer<CsvModule>(
        '@sd/csv',
        `Packing the CSV file ${name} with its schema`,
        () => import('@sd/csv'),
      )
      const schema = await csv.loadCsv(path, opts).schema()
      return { ...base, schema, scanLines: 'csv' }
    }
    case 'ndjson':
    case 'json': {
      const json = await importPeer<JsonModule>(
        '@sd/json',
        `Packing the JSON file ${name} with its schema`,
        () => import('@sd/json'),
      )
      const schema = await json
        .loadJson(path, { ...opts, format: format === 'json' ? 'array' : 'ndjson' })
        .schema()
      return { ...base, schema, scanLines: format === 'ndjson' ? 'ndjson' : undefined }
    }
  }
}
