import { type Field, openRange } from '@sd/core'
import type { ParquetMetadata } from '@sd/parquet'
import { type FileMetaData, parquetMetadataAsync } from 'hyparquet'

/** One column summed over every row group of every file. */
export interface ParquetColumnSummary {
  name: string
  type: string
  codecs: string[]
  encodings: string[]
  compressedBytes: number
  uncompressedBytes: number
  nulls: number | undefined
  min: unknown
  max: unknown
}

/** One row group. */
export interface ParquetRowGroupSummary {
  file: string
  index: number
  rows: number
  compressedBytes: number
  uncompressedBytes: number
}

/** What `sd inspect` says about Parquet. */
export interface ParquetReport {
  format: 'parquet'
  source: string
  sizeBytes: number
  rows: number
  files: number
  createdBy: string | undefined
  schema: Field[]
  rowGroups: ParquetRowGroupSummary[]
  columns: ParquetColumnSummary[]
}

/** Reads the footers of a Parquet file, directory or URL: schema, row groups, codecs and statistics. */
export async function inspectParquet(source: string): Promise<ParquetReport> {
  const { ParquetStreamingLoader } = await import('@sd/parquet')
  const meta: ParquetMetadata = await new ParquetStreamingLoader(source, {
    cacheEnabled: false,
  }).getMetadata()
  const rowGroups: ParquetRowGroupSummary[] = []
  const columns = new Map<string, ParquetColumnSummary>()
  for (const file of meta.files) {
    const footer = await readFooter(file.path)
    footer.row_groups.forEach((group, index) => {
      let compressed = 0
      let uncompressed = 0
      for (const chunk of group.columns) {
        const m = chunk.meta_data
        if (!m) continue
        compressed += Number(m.total_compressed_size)
        uncompressed += Number(m.total_uncompressed_size)
        const name = m.path_in_schema.join('.')
        let c = columns.get(name)
        if (!c) {
          c = {
            name,
            type: m.type,
            codecs: [],
            encodings: [],
            compressedBytes: 0,
            uncompressedBytes: 0,
            nulls: 0,
            min: undefined,
            max: undefined,
          }
          columns.set(name, c)
        }
        if (!c.codecs.includes(m.codec)) c.codecs.push(m.codec)
        for (const e of m.encodings) if (!c.encodings.includes(e)) c.encodings.push(e)
        c.compressedBytes += Number(m.total_compressed_size)
        c.uncompressedBytes += Number(m.total_uncompressed_size)
        const s = m.statistics
        const nulls = s?.null_count
        c.nulls = c.nulls === undefined || nulls === undefined ? undefined : c.nulls + Number(nulls)
        const min = s?.min_value ?? s?.min
        const max = s?.max_value ?? s?.max
        if (min !== undefined && min !== null && (c.min === undefined || less(min, c.min))) c.min = min
        if (max !== undefined && max !== null && (c.max === undefined || less(c.max, max))) c.max = max
      }
      rowGroups.push({
        file: file.path,
        index,
        rows: Number(group.num_rows),
        compressedBytes: compressed,
        uncompressedBytes: uncompressed,
      })
    })
  }
  return {
    format: 'parquet',
    source,
    sizeBytes: meta.fileSizeBytes,
    rows: meta.numRows,
    files: meta.files.length,
    createdBy: meta.createdBy,
    schema: meta.schema,
    rowGroups,
    columns: [...columns.values()],
  }
}

async function readFooter(path: string): Promise<FileMetaData> {
  const reader = await openRange(path)
  try {
    const buffer = {
      byteLength: reader.byteLength,
      slice: async (start: number, end?: number) => {
        const bytes = await reader.read(start, end ?? reader.byteLength)
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      },
    }
    return await parquetMetadataAsync(buffer)
  } finally {
    await reader.close()
  }
}

function less(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() < b.getTime()
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return a < b
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b
  return false
}
