/**
 * The NDJSON readers compared, each reading every record of a file once in its fastest form and
 * handing every value to a consumer (numbers summed, string lengths summed, trues counted).
 */
import { createReadStream } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import type { DuckDBConnection } from '@duckdb/node-api'
import { loadJson } from '@sd/json'
import streamArray from 'stream-json/streamers/stream-array.js'
import { consumeBatches, duckQuery, type ReadResult as PassResult, sqlPath } from '../parquet/peers.ts'
import { consumeObject } from '../text/consume.ts'

/** Records read and the consumer's checksum. */
export type ReadResult = Pick<PassResult, 'rows' | 'sink'>

/** sd: `loadJson` batches, every column consumed from its Arrow layout. */
export function sdJson(file: string, workers: number | 'auto'): Promise<ReadResult> {
  return consumeBatches(loadJson(file, { cacheEnabled: false, workers }))
}

/** The simplest loop: read chunks, decode, split on newlines, `JSON.parse` each line. */
export async function splitParse(file: string, highWaterMark = 64 * 1024): Promise<ReadResult> {
  const decoder = new StringDecoder('utf8')
  let rows = 0
  let sink = 0
  let rest = ''
  for await (const chunk of createReadStream(file, { highWaterMark })) {
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) {
      if (line.length === 0) continue
      rows++
      sink += consumeObject(JSON.parse(line))
    }
  }
  rest += decoder.end()
  if (rest.trim().length > 0) {
    rows++
    sink += consumeObject(JSON.parse(rest))
  }
  return { rows, sink }
}

/** DuckDB: `read_json` (newline-delimited) streamed, `fetchChunk().getColumns()` chunk by chunk. */
export function duckJson(con: DuckDBConnection, file: string): Promise<ReadResult> {
  return duckQuery(con, `SELECT * FROM read_json(${sqlPath(file)}, format = 'newline_delimited')`)
}

/** stream-json's documented pipeline for a top-level array (parser + streamArray as Node streams). */
export async function streamJsonArray(file: string): Promise<ReadResult> {
  let rows = 0
  let sink = 0
  const items = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(streamArray.withParserAsStream())
  for await (const item of items as AsyncIterable<{ value: Record<string, unknown> }>) {
    rows++
    sink += consumeObject(item.value)
  }
  return { rows, sink }
}
