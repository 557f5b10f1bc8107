import { stat } from 'node:fs/promises'
import type { Field } from '@sd/core'
import type { Location } from '../formats.js'
import { withProgress } from '../progress.js'
import { openInput } from '../source.js'

/** What `sd inspect` says about CSV, NDJSON and JSON files. */
export interface TextReport {
  format: 'csv' | 'ndjson' | 'json'
  source: string
  sizeBytes: number | undefined
  rows: number
  schema: Field[]
}

/** Reads a CSV or JSON source once: its columns (typed from the first batch) and its rows. */
export async function inspectText(
  location: Location,
  quiet: boolean,
  delimiter?: string,
): Promise<TextReport> {
  const input = await openInput(location, { delimiter, batchSize: 65_536 })
  let rows = 0
  let schema: Field[] | undefined
  await withProgress(
    `reading ${location.raw}`,
    { totalBytes: input.totalBytes, quiet, poll: input.progress },
    async () => {
      for await (const batch of input.dataset) {
        schema ??= batch.schema
        rows += batch.numRows
      }
    },
  )
  return {
    format: location.format as TextReport['format'],
    source: location.raw,
    sizeBytes: location.kind === 'file' ? (await stat(location.raw)).size : input.progress().bytes,
    rows,
    schema: schema ?? [],
  }
}

/** What `sd inspect` says about a vector file. */
export interface VectorsReport {
  format: 'vectors'
  source: string
  sizeBytes: number
  fileFormat: string
  dimension: number
  count: number
  dataOffset: number
  dtype: 'float32'
}

/** Opens a vector file (`.npy`, or raw float32 rows with `dimension`) read-only. */
export async function inspectVectors(path: string, dimension: number | undefined): Promise<VectorsReport> {
  const { loadMemoryMappedVectors } = await import('@sd/mmap-vectors')
  const vectors = loadMemoryMappedVectors(path, dimension === undefined ? {} : { dimension })
  try {
    return {
      format: 'vectors',
      source: path,
      sizeBytes: (await stat(path)).size,
      fileFormat: vectors.format,
      dimension: vectors.dimension,
      count: vectors.length,
      dataOffset: vectors.dataOffset,
      dtype: 'float32',
    }
  } finally {
    vectors.close()
  }
}
