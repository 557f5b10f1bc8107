import {
  type CompiledFilter,
  compileFilter,
  type Field,
  type RangeReader,
  type ReadContext,
  type RecordBatch,
  readAheadReader,
  ValidationError,
} from '@sd/core'
import { chainFiles, countingReader } from './file-chain.js'
import { formatPeer } from './peers.js'
import { fileLoaderOptions, READ_AHEAD_BYTES, type SplitRead } from './split-read.js'
import { readTextLines } from './text-lines.js'

/** The text formats a split can be stored in. */
export type TextFormat = 'jsonl' | 'csv' | 'tsv' | 'txt'

/** The reader of one text file: a loader of @sd/csv or @sd/json, or the plain text reader. */
export interface TextLoader {
  iterBatches(options: { signal?: AbortSignal }): AsyncIterable<RecordBatch>
  getSchema(): Promise<Field[] | undefined>
}

export type LoaderFactory = (
  source: RangeReader,
  batchSize: number,
  columns: string[] | undefined,
) => TextLoader

/**
 * Streams a split's JSON Lines, CSV, TSV or plain text files, one file at a time, through `@sd/json`
 * or `@sd/csv` (plain text: one `{ text }` row per line), each over the hub's range requests in
 * reads of `chunkBytes`, `prefetchBatches - 1` of them requested ahead of the one parsed (gzip is
 * recognised by its magic bytes), in batches of exactly `ctx.batchSize` rows. Column types are the
 * format package's (decided per file from its first batch); `filters` keep the rows that match,
 * and `columns` (plus the filter's columns, read and then dropped) are read.
 */
export async function* readTextFiles(
  split: SplitRead,
  format: TextFormat,
  ctx: ReadContext,
): AsyncGenerator<RecordBatch> {
  const make = await textLoaderFactory(split, format)
  const { wanted } = textRead(split)
  const batches = chainFiles(
    split.files,
    async (file) => {
      split.countFile()
      const opened = await split.hubFiles.open(file, ctx.cache, ctx.signal)
      const counted = countingReader(opened, (bytes) => {
        split.countBytes(bytes)
        ctx.countBytes(bytes)
      })
      const reader = readAheadReader(counted, {
        depth: Math.max(0, split.prefetchBatches - 1),
        maxBytes: split.prefetchBytes ?? READ_AHEAD_BYTES,
      })
      const loader = make(reader, ctx.batchSize, wanted)
      return { batches: loader.iterBatches({ signal: ctx.signal }), close: () => reader.close() }
    },
    ctx,
  )
  yield* filtered(batches, split)
}

/**
 * The split's filter, compiled, and the columns its text files are read with: `columns` plus the
 * columns the filter reads (dropped again by {@link filtered}).
 */
export function textRead(split: SplitRead): {
  filter: CompiledFilter | undefined
  wanted: string[] | undefined
} {
  const { columns, filters } = split.read
  const filter = filters ? compileFilter(filters) : undefined
  const wanted = columns && filter ? [...new Set([...columns, ...filter.fields.map(topLevel)])] : columns
  return { filter, wanted }
}

/** `batches` with the split's filter applied (rows it rejects dropped) and `columns` selected. */
export async function* filtered(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  split: SplitRead,
): AsyncGenerator<RecordBatch> {
  const { filter } = textRead(split)
  if (!filter) {
    yield* batches
    return
  }
  const { columns } = split.read
  for await (const batch of batches) {
    const mask = filter.mask((name) => jsValues(batch, name), batch.numRows)
    const kept = batch.filter(mask)
    if (kept.numRows > 0) yield columns ? kept.select(columns) : kept
  }
}

/** The columns of the split's first file, as its first batch has them (one read of `chunkBytes`). */
export async function textSchema(
  split: SplitRead,
  format: TextFormat,
  signal: AbortSignal | undefined,
): Promise<Field[] | undefined> {
  const file = split.files[0]
  if (!file) return []
  const make = await textLoaderFactory(split, format)
  const reader = await split.hubFiles.open(file, split.cache, signal)
  try {
    return await make(reader, 1, split.read.columns).getSchema()
  } finally {
    await reader.close()
  }
}

/**
 * How to make the reader of one file of `format`: @sd/json for JSON Lines (and JSON array
 * documents), @sd/csv for CSV and TSV, the plain text reader for text.
 */
export async function textLoaderFactory(split: SplitRead, format: TextFormat): Promise<LoaderFactory> {
  const { chunkBytes, maxRecordBytes } = split.read
  const common = (batchSize: number, columns: string[] | undefined) => ({
    ...fileLoaderOptions(split, batchSize, columns),
    chunkBytes,
    maxRecordBytes,
  })
  switch (format) {
    case 'jsonl': {
      const json = await formatPeer('@sd/json', split.dataset)
      return (source, batchSize, columns) =>
        new json.JsonStreamingLoader(source, { ...common(batchSize, columns), format: 'auto' })
    }
    case 'csv':
    case 'tsv': {
      const csv = await formatPeer('@sd/csv', split.dataset)
      const delimiter = format === 'tsv' ? '\t' : ','
      return (source, batchSize, columns) =>
        new csv.CsvStreamingLoader(source, { ...common(batchSize, columns), delimiter })
    }
    case 'txt':
      return (source, batchSize, columns) => {
        const unknown = columns?.find((c) => c !== 'text')
        if (unknown !== undefined) {
          throw new ValidationError(
            `Unknown column "${unknown}": a text file has one column, "text" (one row per line)`,
            { code: 'UNKNOWN_COLUMN', location: { url: source.name, column: unknown } },
          )
        }
        return {
          iterBatches: ({ signal }) =>
            readTextLines(source, { batchSize, chunkBytes, maxRecordBytes, signal }),
          getSchema: async () => [{ name: 'text', type: 'string', nullable: false }],
        }
      }
  }
}

/** A column's values as JS values, `null` for nulls (typed arrays hold 0 there), for the filter. */
function jsValues(batch: RecordBatch, name: string): unknown[] | undefined {
  if (!batch.hasColumn(name)) return undefined
  const data = batch.data(name)
  return Array.from({ length: data.length }, (_, i) => data.get(i))
}

/** The column a filter field reads (`'meta.lang'` reads column `meta`). */
function topLevel(field: string): string {
  const dot = field.indexOf('.')
  return dot === -1 ? field : field.slice(0, dot)
}
