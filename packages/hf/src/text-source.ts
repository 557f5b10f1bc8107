import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import {
  FormatError,
  type HttpRangeReader,
  isSdError,
  type ReadContext,
  type RecordBatch,
  type Row,
  UnsupportedError,
} from '@sd/core'
import { CsvRecords } from './csv-records.js'
import { formatOf } from './data-files.js'
import { withTokenHint } from './hub-errors.js'
import { readAhead } from './read-ahead.js'
import type { SplitFile } from './resolve.js'
import { RowBatcher } from './row-batcher.js'
import type { SplitPass } from './split-pass.js'

/** What one pass over a split's JSON Lines, CSV, TSV or text files reads. */
export interface TextPass extends SplitPass {
  format: 'jsonl' | 'csv' | 'tsv' | 'txt'
  chunkBytes: number
}

/**
 * Streams text files through plain range reads of `chunkBytes` each (`readAhead` of them in
 * flight), gunzipping `.gz` files, split into lines (JSON Lines: one object per line; text: one
 * `{ text }` row per line) or CSV records (header row, values cast to numbers and booleans by
 * column, from the first batch's values), in batches of exactly `ctx.batchSize` rows.
 */
export async function* readText(pass: TextPass, ctx: ReadContext): AsyncGenerator<RecordBatch> {
  const batcher = new RowBatcher(ctx.batchSize, pass.columns, pass.filters)
  try {
    for (const file of pass.files) {
      const reader = await pass.hubFiles.open(file, ctx.cache, ctx.signal)
      try {
        let bytes: AsyncIterable<Uint8Array> = fileChunks(reader, file.size, pass, ctx)
        if (formatOf(file.path).gzip) bytes = gunzip(bytes, file.url)
        const pieces = textPieces(bytes, file.url)
        const rows =
          pass.format === 'jsonl'
            ? jsonRows(pieces, file)
            : pass.format === 'txt'
              ? textRows(pieces)
              : csvRows(pieces, file, pass.format === 'tsv' ? '\t' : ',', ctx.batchSize)
        for await (const row of rows) {
          const batch = batcher.push(row)
          if (batch) yield batch
        }
      } finally {
        await reader.close()
      }
    }
    const rest = batcher.flush()
    if (rest) yield rest
  } catch (err) {
    throw withTokenHint(err, pass.dataset)
  }
}

async function* fileChunks(
  reader: HttpRangeReader,
  size: number,
  pass: TextPass,
  ctx: ReadContext,
): AsyncGenerator<Uint8Array> {
  async function* requests() {
    for (let start = 0; start < size; start += pass.chunkBytes) {
      const ready = reader.read(start, Math.min(size, start + pass.chunkBytes), ctx.signal)
      ready.catch(() => undefined)
      // wrapped: an async generator would wait for a promise it yields, and the read-ahead with it
      yield { ready }
    }
  }
  const chunks = readAhead(requests(), {
    depth: pass.readAhead,
    maxBytes: pass.readAheadBytes,
    sizeOf: () => pass.chunkBytes,
  })
  for await (const { ready } of chunks) {
    const bytes = await ready
    ctx.countBytes(bytes.byteLength)
    yield bytes
  }
}

async function* gunzip(source: AsyncIterable<Uint8Array>, url: string): AsyncGenerator<Uint8Array> {
  const input = Readable.from(source, { objectMode: false })
  const gz = createGunzip()
  input.on('error', (err) => gz.destroy(err))
  input.pipe(gz)
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) yield chunk
  } catch (err) {
    if (isSdError(err)) throw err
    throw new FormatError(
      `Expected gzip-compressed data: ${err instanceof Error ? err.message : String(err)}`,
      {
        code: 'HF_GZIP_INVALID',
        cause: err,
        location: { url },
      },
    )
  } finally {
    input.destroy()
    gz.destroy()
  }
}

/** UTF-8 text pieces of a byte stream (a character split between chunks is joined). */
async function* textPieces(bytes: AsyncIterable<Uint8Array>, url: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let offset = 0
  const invalid = (err: unknown) =>
    new FormatError('Expected UTF-8 text, found an invalid byte sequence', {
      code: 'HF_INVALID_UTF8',
      cause: err,
      location: { url, byte: offset },
    })
  for await (const chunk of bytes) {
    let text: string
    try {
      text = decoder.decode(chunk, { stream: true })
    } catch (err) {
      throw invalid(err)
    }
    offset += chunk.byteLength
    if (text) yield text
  }
  let tail: string
  try {
    tail = decoder.decode()
  } catch (err) {
    throw invalid(err)
  }
  if (tail) yield tail
}

/** Lines (without their `\n` or `\r\n`) with their 1-based numbers. */
async function* lines(pieces: AsyncIterable<string>): AsyncGenerator<{ text: string; line: number }> {
  let carry = ''
  let line = 1
  for await (const piece of pieces) {
    const parts = (carry + piece).split('\n')
    carry = parts.pop() as string
    for (const part of parts) yield { text: part.endsWith('\r') ? part.slice(0, -1) : part, line: line++ }
  }
  if (carry !== '') yield { text: carry.endsWith('\r') ? carry.slice(0, -1) : carry, line }
}

async function* jsonRows(pieces: AsyncIterable<string>, file: SplitFile): AsyncGenerator<Row> {
  const document = file.path.toLowerCase().replace(/\.gz$/, '').endsWith('.json')
  let first = true
  for await (const { text, line } of lines(pieces)) {
    if (/^\s*$/.test(text)) continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      if (first && document) throw notJsonLines(file)
      throw new FormatError(`Expected one JSON object per line: ${(err as Error).message}`, {
        code: 'HF_JSON_PARSE',
        cause: err,
        location: { url: file.url, line },
      })
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      if (first && document && Array.isArray(value)) throw notJsonLines(file)
      throw new FormatError(
        `Expected a JSON object on each line, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`,
        {
          code: 'HF_JSON_NOT_OBJECT',
          location: { url: file.url, line },
        },
      )
    }
    first = false
    yield value as Row
  }
}

function notJsonLines(file: SplitFile): UnsupportedError {
  return new UnsupportedError(
    `${file.path} is one JSON document, not JSON Lines (one object per line); only JSON Lines files are streamed, and the hub has no Parquet conversion of this split`,
    { code: 'HF_JSON_DOCUMENT', location: { url: file.url } },
  )
}

async function* textRows(pieces: AsyncIterable<string>): AsyncGenerator<Row> {
  for await (const { text } of lines(pieces)) yield { text }
}

type Kind = 'int' | 'float' | 'bool' | 'string'
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/
const INTEGER = /^[-+]?\d+$/
const BOOLEAN = /^(?:true|false)$/i

async function* csvRows(
  pieces: AsyncIterable<string>,
  file: SplitFile,
  delimiter: string,
  sample: number,
): AsyncGenerator<Row> {
  const parser = new CsvRecords(delimiter)
  let header: string[] | undefined
  let kinds: Kind[] | undefined
  let pending: { fields: string[]; line: number }[] = []
  const toRow = (fields: string[], line: number): Row => {
    const h = header as string[]
    if (fields.length > h.length) {
      throw new FormatError(`Expected ${h.length} fields as in the header, got ${fields.length}`, {
        code: 'HF_CSV_RAGGED_ROW',
        location: { url: file.url, line },
      })
    }
    const row: Row = {}
    for (let i = 0; i < h.length; i++) row[h[i] as string] = cast(fields[i], (kinds as Kind[])[i] as Kind)
    return row
  }
  const records = async function* () {
    for await (const piece of pieces) yield* parser.push(piece)
    if (parser.unterminated) {
      throw new FormatError('Expected a closing quote before the end of the file', {
        code: 'HF_CSV_UNCLOSED_QUOTE',
        location: { url: file.url, line: parser.recordLine },
      })
    }
    const last = parser.end()
    if (last) yield last
  }
  for await (const record of records()) {
    if (!header) {
      header = record.fields
      continue
    }
    if (record.fields.length === 1 && record.fields[0] === '') continue
    if (kinds) {
      yield toRow(record.fields, record.line)
      continue
    }
    pending.push(record)
    if (pending.length >= sample) {
      kinds = inferKinds(header, pending)
      for (const r of pending) yield toRow(r.fields, r.line)
      pending = []
    }
  }
  if (header && !kinds) {
    kinds = inferKinds(header, pending)
    for (const r of pending) yield toRow(r.fields, r.line)
  }
}

/** A column is numeric (or boolean) when every non-empty value of the first rows is. */
function inferKinds(header: string[], records: { fields: string[] }[]): Kind[] {
  return header.map((_, i) => {
    let kind: Kind | undefined
    for (const { fields } of records) {
      const v = fields[i]
      if (v === undefined || v === '') continue
      const k: Kind = INTEGER.test(v) ? 'int' : NUMBER.test(v) ? 'float' : BOOLEAN.test(v) ? 'bool' : 'string'
      if (kind === undefined || kind === k) kind = k
      else if ((kind === 'int' && k === 'float') || (kind === 'float' && k === 'int')) kind = 'float'
      else return 'string'
    }
    return kind ?? 'string'
  })
}

function cast(value: string | undefined, kind: Kind): unknown {
  if (value === undefined || value === '') return null
  if ((kind === 'int' || kind === 'float') && NUMBER.test(value)) return Number(value)
  if (kind === 'bool' && BOOLEAN.test(value)) return value.toLowerCase() === 'true'
  return value
}
