import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { csvFile, ndjsonFile, parquetFile, vectorFile } from '@sd/benchmarks/lib/data'
import type { DatasetInfo, Format } from './types.js'

/** Sizes of the sample data. */
export interface SampleSizes {
  rows: number
  vectors: number
  dimension: number
}

/**
 * Writes (or reuses, when a previous run left them in `dir`) the sample files: the same `rows`
 * rows as Parquet, CSV and NDJSON, and a `vectors` x `dimension` float32 file.
 */
export async function sampleDatasets(
  dir: string,
  sizes: SampleSizes,
  formats: readonly Format[],
  log: (line: string) => void,
): Promise<DatasetInfo[]> {
  const out: DatasetInfo[] = []
  mkdirSync(dir, { recursive: true })
  const before = new Set(readdirSync(dir))
  const made = async (format: Format, write: () => string | Promise<string>, extra: Partial<DatasetInfo>) => {
    const path = await write()
    const reused = before.has(basename(path))
    out.push({ format, path, sizeBytes: statSync(path).size, generated: true, ...extra })
    log(`${reused ? 'reusing' : 'wrote'} ${path}`)
  }
  if (formats.includes('parquet'))
    await made('parquet', () => parquetFile(dir, sizes.rows), { rows: sizes.rows })
  if (formats.includes('csv')) await made('csv', () => csvFile(dir, sizes.rows), { rows: sizes.rows })
  if (formats.includes('ndjson'))
    await made('ndjson', () => ndjsonFile(dir, sizes.rows), { rows: sizes.rows })
  if (formats.includes('vectors')) {
    await made('vectors', () => vectorFile(dir, sizes.vectors, sizes.dimension), {
      rows: sizes.vectors,
      dimension: sizes.dimension,
      headerBytes: 0,
    })
  }
  return out
}
