import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { parse } from 'csv-parse'
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { parquetFilesIn } from './formats.js'
import type { PassMeasure } from './pass.js'
import { quantile } from './stats.js'
import type { DatasetInfo } from './types.js'

/**
 * The raw parsers the sd loaders are compared with, doing the same job (every column of every
 * row decoded to values) the plainest way their documentation shows. Each yields the number of
 * records of every unit it produced: a row group for hyparquet, `batchSize` records otherwise.
 */
export function rawRecords(dataset: DatasetInfo, batchSize: number, maxRows?: number): AsyncIterable<number> {
  switch (dataset.format) {
    case 'parquet':
      return rawParquet(dataset.path, maxRows)
    case 'csv':
      return rawCsv(dataset.path, batchSize, dataset.delimiter ?? ',', maxRows)
    case 'ndjson':
      return rawNdjson(dataset.path, batchSize, maxRows)
    case 'vectors':
      throw new Error('vector files have no raw parser; see vector-access.ts')
  }
}

/** hyparquet, one row group at a time, columns through `onChunk` (its fastest columnar path). */
async function* rawParquet(path: string, maxRows?: number): AsyncGenerator<number> {
  const files = (await stat(path)).isDirectory() ? parquetFilesIn(path) : [path]
  let done = 0
  for (const name of files) {
    const file = await asyncBufferFromFile(name)
    const metadata = await parquetMetadataAsync(file)
    let rowStart = 0
    for (const group of metadata.row_groups) {
      const rowEnd = rowStart + Number(group.num_rows)
      let values = 0
      await parquetRead({
        file,
        metadata,
        rowStart,
        rowEnd,
        compressors,
        onChunk: (chunk) => {
          values += chunk.columnData.length
        },
      })
      if (values === 0 && rowEnd > rowStart) throw new Error(`hyparquet decoded no values from ${name}`)
      yield rowEnd - rowStart
      done += rowEnd - rowStart
      rowStart = rowEnd
      if (maxRows !== undefined && done >= maxRows) return
    }
  }
}

/** csv-parse's stream in arrays mode with `cast: true` (typed numbers, like the sd loader's default). */
async function* rawCsv(
  path: string,
  batchSize: number,
  delimiter: string,
  maxRows?: number,
): AsyncGenerator<number> {
  const input = createReadStream(path, { highWaterMark: 1 << 20 })
  const parser = input.pipe(parse({ cast: true, from_line: 2, delimiter }))
  let pending = 0
  let done = 0
  try {
    for await (const _record of parser) {
      pending++
      if (pending === batchSize) {
        yield pending
        done += pending
        pending = 0
        if (maxRows !== undefined && done >= maxRows) return
      }
    }
    if (pending > 0) yield pending
  } finally {
    input.destroy()
    parser.destroy()
  }
}

/** A chunk reader that splits lines and `JSON.parse`s each one. */
async function* rawNdjson(path: string, batchSize: number, maxRows?: number): AsyncGenerator<number> {
  const input = createReadStream(path, { highWaterMark: 1 << 20, encoding: 'utf8' })
  let rest = ''
  let pending = 0
  let done = 0
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const text = rest + chunk
      let start = 0
      for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
        if (end > start) {
          JSON.parse(text.slice(start, end))
          pending++
        }
        start = end + 1
        if (pending === batchSize) {
          yield pending
          done += pending
          pending = 0
          if (maxRows !== undefined && done >= maxRows) return
        }
      }
      rest = text.slice(start)
    }
    if (rest.trim().length > 0) {
      JSON.parse(rest)
      pending++
    }
    if (pending > 0) yield pending
  } finally {
    input.destroy()
  }
}

/**
 * One pass of the raw parser over `dataset`, timed by the harness: each batch's time is the wait
 * for the parser to produce it (there is no read-ahead, so that is its read + decode time).
 */
export async function rawPass(
  dataset: DatasetInfo,
  batchSize: number,
  maxRows?: number,
): Promise<PassMeasure> {
  const t0 = performance.now()
  const batchMs: number[] = []
  let records = 0
  let firstMs: number | undefined
  let last = t0
  for await (const n of rawRecords(dataset, batchSize, maxRows)) {
    const now = performance.now()
    firstMs ??= now - t0
    batchMs.push(now - last)
    records += n
    last = performance.now()
  }
  const measure: PassMeasure = {
    seconds: (performance.now() - t0) / 1000,
    records,
    batchTimesFrom: 'harness',
    p50BatchMs: quantile(batchMs, 0.5),
    p95BatchMs: quantile(batchMs, 0.95),
  }
  if (firstMs !== undefined) measure.timeToFirstBatchMs = firstMs
  return measure
}
