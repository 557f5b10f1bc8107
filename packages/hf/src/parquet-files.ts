import { type Field, FormatError, type RangeReader, type ReadContext, type RecordBatch } from '@sd/core'
import type { ParquetLoaderOptions } from '@sd/parquet'
import { chainFiles, countingReader } from './file-chain.js'
import { type FormatPeers, formatPeer } from './peers.js'
import type { SplitFile } from './resolve.js'
import { fileLoaderOptions, type SplitRead } from './split-read.js'

/**
 * Streams a split's Parquet files through `@sd/parquet`, one file at a time (each read over the
 * hub's range requests, its footer read while the file before it is decoded), in batches of
 * exactly `ctx.batchSize` rows. Projection, statistics pruning, filters, read-ahead of row groups,
 * decoding and the schema (int8/int16 narrowing, vectors, timestamps) are @sd/parquet's, so a file
 * reads the same here as with `loadParquet`. Every file must have the first file's columns.
 */
export async function* readParquetFiles(split: SplitRead, ctx: ReadContext): AsyncGenerator<RecordBatch> {
  const pq = await formatPeer('@sd/parquet', split.dataset)
  let first: { file: SplitFile; schema: Field[] } | undefined
  yield* chainFiles(
    split.files,
    async (file) => {
      split.countFile()
      const reader = await split.hubFiles.open(file, ctx.cache, ctx.signal)
      try {
        const source = countingReader(reader, (bytes) => {
          split.countBytes(bytes)
          ctx.countBytes(bytes)
        })
        const loader = await openParquet(pq, source, split, ctx.batchSize, ctx.signal)
        if (first === undefined) first = { file, schema: loader.schema }
        else checkSameColumns(first, file, loader.schema)
        return { batches: loader.iterBatches({ signal: ctx.signal }), close: () => reader.close() }
      } catch (err) {
        await reader.close()
        throw err
      }
    },
    ctx,
  )
}

/**
 * The schema of the split's first Parquet file as batches have it (after `columns`): one footer
 * read.
 */
export async function parquetSchema(split: SplitRead, signal: AbortSignal | undefined): Promise<Field[]> {
  const pq = await formatPeer('@sd/parquet', split.dataset)
  const file = split.files[0]
  if (!file) return []
  const reader = await split.hubFiles.open(file, split.cache, signal)
  try {
    return (await openParquet(pq, reader, split, 1, signal)).schema
  } finally {
    await reader.close()
  }
}

/** Rows of every file and the schema, from the footers (read by @sd/parquet, eight at a time). */
export async function parquetFooters(
  split: SplitRead,
  signal: AbortSignal | undefined,
): Promise<{ numRows: number[]; schema: Field[] }> {
  const pq = await formatPeer('@sd/parquet', split.dataset)
  const readers: RangeReader[] = []
  try {
    for (const file of split.files) readers.push(await split.hubFiles.open(file, split.cache, signal))
    if (readers.length === 0) return { numRows: [], schema: [] }
    const loader = new pq.ParquetStreamingLoader(readers, loaderOptions(split, 1))
    const meta = await loader.getMetadata()
    return { numRows: meta.files.map((f) => f.numRows), schema: meta.schema }
  } finally {
    for (const reader of readers) await reader.close()
  }
}

/** A @sd/parquet loader of one split file, its footer read (a column `columns` or `filters` name that the file lacks is @sd/parquet's `UNKNOWN_COLUMN`). */
export async function openParquet(
  pq: FormatPeers['@sd/parquet'],
  reader: RangeReader,
  split: SplitRead,
  batchSize: number,
  signal: AbortSignal | undefined,
) {
  const loader = new pq.ParquetStreamingLoader(reader, loaderOptions(split, batchSize))
  return loader.open(signal)
}

/** The file loader's options, with the split's filter (pushed down to row-group statistics). */
function loaderOptions(split: SplitRead, batchSize: number): ParquetLoaderOptions {
  const { columns, filters } = split.read
  return {
    ...fileLoaderOptions(split, batchSize, columns),
    // @sd/parquet reads core's filter language
    ...(filters ? { filters: filters as NonNullable<ParquetLoaderOptions['filters']> } : {}),
  }
}

function checkSameColumns(
  first: { file: SplitFile; schema: Field[] },
  file: SplitFile,
  schema: Field[],
): void {
  const describe = (fields: Field[]) => fields.map((f) => `${f.name}: ${f.type}`).join(', ')
  const same =
    schema.length === first.schema.length &&
    schema.every((f, i) => f.name === first.schema[i]?.name && f.type === first.schema[i]?.type)
  if (same) return
  throw new FormatError(
    `Expected the columns of ${first.file.path} (${describe(first.schema)}) in every file of the split, got (${describe(schema)}) in ${file.path}`,
    { code: 'SCHEMA_MISMATCH', location: { url: file.url } },
  )
}
