/**
 * The peers of the CSV suite, each reading every record of a file once and returning the record
 * count. All stream the file; none builds columns.
 */
import { createReadStream } from 'node:fs'
import { parse } from 'csv-parse'
import Papa from 'papaparse'
import { type BaseParse, inferSchema, initParser, type Parser } from 'udsv'

/** csv-parse as its documentation streams a file: arrays mode, `for await` over the parser. */
export async function csvParseForAwait(file: string, options: { cast?: boolean } = {}): Promise<number> {
  let n = 0
  for await (const _record of createReadStream(file).pipe(parse({ cast: options.cast ?? false }))) n++
  return n
}

/** csv-parse in arrays mode with a `data` listener (no async iteration per record). */
export function csvParseDataEvents(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0
    const parser = createReadStream(file).pipe(parse())
    parser.on('data', () => {
      n++
    })
    parser.on('end', () => resolve(n))
    parser.on('error', reject)
  })
}

/** papaparse on a Node stream, rows as string arrays, handed over per chunk. */
export function papaparse(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0
    Papa.parse(createReadStream(file, { encoding: 'utf8' }), {
      chunk: (results: Papa.ParseResult<unknown>) => {
        n += results.data.length
      },
      complete: () => resolve(n),
      error: (err: Error) => reject(err),
    })
  })
}

/** uDSV's incremental parser on string chunks, typed rows (its schema inferred from the first chunk). */
export async function udsv(file: string): Promise<number> {
  let n = 0
  let parser: Parser | undefined
  const count = () => {
    n++
  }
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    parser ??= initParser(inferSchema(chunk as string))
    parser.chunk(chunk as string, parser.typedArrs as BaseParse<unknown[]>, count)
  }
  parser?.end()
  // uDSV counts the header row it skipped via the schema, not through onData
  return n
}
