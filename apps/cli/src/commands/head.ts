import type { Filter, RecordBatch } from '@sd/core'
import { columnCells, typeDetail } from '../cells.js'
import { UsageError } from '../errors.js'
import { locate } from '../formats.js'
import { print, table } from '../output.js'
import { openInput } from '../source.js'

/** Options of `sd head`. */
export interface HeadOptions {
  n: number
  columns?: string[]
  filter?: Filter
  from?: string
  delimiter?: string
  split?: string
  config?: string
  revision?: string
  dimension?: number
  types?: Record<string, string>
  json?: boolean
  ndjson?: boolean
  /** Accepted like every command's; `sd head` shows no progress, and its rows are what it prints. */
  quiet?: boolean
}

/** `sd head <source>`: the first rows as a table, a JSON array or NDJSON lines. */
export async function head(source: string, options: HeadOptions): Promise<void> {
  if (options.json && options.ndjson) throw new UsageError('Choose one of --json and --ndjson')
  const location = locate(source, options.from, '--from')
  const input = await openInput(location, {
    columns: options.columns,
    filter: options.filter,
    dimension: options.dimension,
    types: options.types,
    // CSV and JSON type their columns from the first batch: a whole default batch, none read ahead
    batchSize: Math.max(options.n, 10_000),
    prefetchBatches: 0,
    delimiter: options.delimiter,
    split: options.split,
    config: options.config,
    revision: options.revision,
  })
  let batch: RecordBatch
  try {
    batch = await input.dataset.take(options.n).collect()
  } finally {
    await input.close?.()
  }
  if (options.json || options.ndjson) {
    const { jsonRowEncoder } = await import('@sd/json')
    const row = jsonRowEncoder(batch)
    const lines = Array.from({ length: batch.numRows }, (_, i) => row(i))
    if (options.ndjson) {
      if (lines.length > 0) print(lines.join('\n'))
    } else print(lines.length === 0 ? '[]' : `[\n${lines.map((l) => `  ${l}`).join(',\n')}\n]`)
    return
  }
  print(renderRows(batch))
}

/** The rows of a batch as an aligned table, numbers right-aligned, the types under the names. */
export function renderRows(batch: RecordBatch): string {
  const columns = batch.columns().map((c) => columnCells(c, batch.numRows))
  const head = batch.schema.map((f) => `${f.name}\n${typeDetail(f)}`)
  const align = batch.schema.map(
    (f) => (/int|float|uint/.test(f.type) ? 'right' : 'left') as 'left' | 'right',
  )
  const rows: string[][] = []
  for (let i = 0; i < batch.numRows; i++) rows.push(columns.map((c) => c[i] as string))
  const shown = `${batch.numRows} row${batch.numRows === 1 ? '' : 's'}`
  if (head.length === 0) return shown
  return `${table(head, rows, align)}\n${shown}`
}
