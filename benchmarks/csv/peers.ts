/**
 * The CSV readers compared, each reading every record of a file once, in its fastest form, and
 * handing every value to a consumer (numbers summed, string lengths summed, trues counted).
 */
import { createReadStream } from 'node:fs'
import type { DuckDBConnection } from '@duckdb/node-api'
import { loadCsv } from '@sd/csv'
import { parse } from 'csv-parse'
import Papa from 'papaparse'
import { type BaseParse, inferSchema, initParser, type Parser } from 'udsv'
import { consumeBatches, duckQuery, type ReadResult as PassResult, sqlPath } from '../parquet/peers.ts'
import { consumeArray } from '../text/consume.ts'

/** Records read (the header not counted) and the consumer's checksum. */
export type ReadResult = Pick<PassResult, 'rows' | 'sink'>

/** sd: `loadCsv` batches, every column consumed from its Arrow layout. */
export function sdCsv(file: string, workers: number | 'auto'): Promise<ReadResult> {
  return consumeBatches(loadCsv(file, { cacheEnabled: false, workers }))
}

/** uDSV 0.7: its streaming parser on string chunks, typed rows (schema inferred from the first chunk). */
export async function udsvCsv(file: string): Promise<ReadResult> {
  let rows = 0
  let sink = 0
  let parser: Parser | undefined
  const onRow = (row: unknown[]) => {
    rows++
    sink += consumeArray(row)
  }
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    parser ??= initParser(inferSchema(chunk as string))
    parser.chunk(chunk as string, parser.typedArrs as BaseParse<unknown[]>, onRow as never)
  }
  parser?.end()
  return { rows, sink }
}

/** papaparse on a Node stream, `dynamicTyping` (numbers and booleans typed), rows handed over per chunk. */
export function papaCsv(file: string): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    let rows = -1
    let sink = 0
    Papa.parse(createReadStream(file, { encoding: 'utf8' }), {
      dynamicTyping: true,
      skipEmptyLines: true,
      chunk: (results: Papa.ParseResult<unknown[]>) => {
        for (const row of results.data) {
          // the header row comes through as data
          if (rows++ >= 0) sink += consumeArray(row)
        }
      },
      complete: () => resolve({ rows, sink }),
      error: (err: Error) => reject(err),
    })
  })
}

/** csv-parse in arrays mode with a `data` listener (strings: its fastest form). */
export function csvParseCsv(file: string): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    let rows = -1
    let sink = 0
    const parser = createReadStream(file).pipe(parse())
    parser.on('data', (row: string[]) => {
      if (rows++ >= 0) sink += consumeArray(row)
    })
    parser.on('end', () => resolve({ rows, sink }))
    parser.on('error', reject)
  })
}

/** DuckDB: `read_csv` streamed, `fetchChunk().getColumns()` chunk by chunk. */
export function duckCsv(con: DuckDBConnection, file: string): Promise<ReadResult> {
  return duckQuery(con, `SELECT * FROM read_csv(${sqlPath(file)})`)
}
