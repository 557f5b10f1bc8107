/**
 * The readers @sd/json is compared with. Each streams the whole file once and gathers the parsed
 * records into arrays of `BATCH` rows, the row-object form of the batches ours yields.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { StringDecoder } from 'node:string_decoder'
import jsonlParser from 'stream-json/jsonl/parser.js'
import streamArray from 'stream-json/streamers/stream-array.js'

/** Rows per gathered batch, the loaders' default batch size. */
export const BATCH = 10_000

/** Collects rows into batches of {@link BATCH}; returns the row count. */
class Rows {
  count = 0
  #rows: unknown[] = []
  push(row: unknown): void {
    this.#rows.push(row)
    if (this.#rows.length === BATCH) this.#flush()
  }
  done(): number {
    this.#flush()
    return this.count
  }
  #flush(): void {
    this.count += this.#rows.length
    this.#rows = []
  }
}

/**
 * The bare loop: read chunks, decode, split on newlines, `JSON.parse` each line. `highWaterMark`
 * is the read size (Node's default is 64 KiB).
 */
export async function bareSplitParse(file: string, highWaterMark = 64 * 1024): Promise<number> {
  const decoder = new StringDecoder('utf8')
  const rows = new Rows()
  let rest = ''
  for await (const chunk of createReadStream(file, { highWaterMark })) {
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) if (line.length > 0) rows.push(JSON.parse(line))
  }
  rest += decoder.end()
  if (rest.trim().length > 0) rows.push(JSON.parse(rest))
  return rows.done()
}

/** Node's `readline` over a read stream, `JSON.parse` per line. */
export async function readlineParse(file: string): Promise<number> {
  const rows = new Rows()
  const lines = createInterface({
    input: createReadStream(file, { highWaterMark: 1 << 20 }),
    crlfDelay: Number.POSITIVE_INFINITY,
  })
  for await (const line of lines) if (line.length > 0) rows.push(JSON.parse(line))
  return rows.done()
}

/** stream-json's JSONL parser as a Node stream. */
export async function streamJsonJsonl(file: string): Promise<number> {
  const rows = new Rows()
  const items = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(jsonlParser.asStream())
  for await (const item of items as AsyncIterable<{ value: unknown }>) rows.push(item.value)
  return rows.done()
}

/** stream-json's documented pipeline for a top-level array (parser + streamArray as Node streams). */
export async function streamJsonArray(file: string): Promise<number> {
  const rows = new Rows()
  const items = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(streamArray.withParserAsStream())
  for await (const item of items as AsyncIterable<{ value: unknown }>) rows.push(item.value)
  return rows.done()
}
