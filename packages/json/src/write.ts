import {
  type ColumnData,
  invalidOption,
  type RecordBatch,
  type TextEncoding,
  type TextWriteResult,
  type TextWriteSource,
  valueText,
  writeTextBatches,
} from '@sd/core'

/** Options of {@link writeJson}. */
export interface JsonWriteOptions {
  /** `'ndjson'` (default): one object per line; `'array'`: one JSON array of objects. */
  format?: 'ndjson' | 'array'
  /** Stops writing; the partial file is removed. */
  signal?: AbortSignal
}

/** What {@link writeJson} wrote. */
export type JsonWriteResult = TextWriteResult

/** Rows joined into one piece of text. */
const ROWS_PER_PIECE = 1024

/**
 * Writes a dataset (or any iterable of batches) as NDJSON (one object per line, keys in schema
 * order) or as a JSON array document, one batch at a time, so memory holds a batch and its text.
 * The file appears complete or not at all (written under a temporary name and renamed; an error
 * or an abort leaves an existing file untouched).
 *
 * Values: numbers as JavaScript prints them (NaN and infinities, which JSON lacks, become `null`),
 * int64 as number literals with all their digits (exact in the file; a reader with 64-bit floats
 * rounds those beyond 2^53), booleans, strings, `null`, dates `"YYYY-MM-DD"`, timestamps ISO 8601
 * strings in UTC with every digit of their unit, binary as base64 strings, vectors as arrays, and
 * JSON columns as they are. {@link loadJson} reads the file back.
 *
 * @example
 * ```ts
 * await writeJson(loadCsv('events.csv'), 'events.ndjson')
 * ```
 */
export async function writeJson(
  source: TextWriteSource,
  path: string,
  options: JsonWriteOptions = {},
): Promise<JsonWriteResult> {
  const format = options.format ?? 'ndjson'
  if (format !== 'ndjson' && format !== 'array') {
    throw invalidOption(`format must be 'ndjson' or 'array', got ${JSON.stringify(format)}`)
  }
  const array = format === 'array'
  const encoding: TextEncoding = {
    head: () => (array ? '[' : ''),
    *rows(batch: RecordBatch, rowsBefore: number) {
      const row = jsonRowEncoder(batch)
      const n = batch.numRows
      for (let start = 0; start < n; start += ROWS_PER_PIECE) {
        const end = Math.min(n, start + ROWS_PER_PIECE)
        let text = ''
        for (let i = start; i < end; i++) {
          if (array) text += (rowsBefore + i === 0 ? '\n' : ',\n') + row(i)
          else text += `${row(i)}\n`
        }
        yield text
      }
    },
    tail: (_schema, numRows) => (array ? (numRows === 0 ? ']\n' : '\n]\n') : ''),
  }
  return writeTextBatches(source, path, encoding, options.signal)
}

/**
 * The JSON object text of each row of a batch, as {@link writeJson} writes it (keys in schema
 * order, values as described there): for printing rows without writing a file.
 *
 * @example
 * ```ts
 * const row = jsonRowEncoder(batch)
 * console.log(row(0)) // {"id":0,"big":1099511627776,"day":"2024-01-01"}
 * ```
 */
export function jsonRowEncoder(batch: RecordBatch): (i: number) => string {
  const keys = batch.schema.map((f) => `${JSON.stringify(f.name)}:`)
  const cells = batch.columns().map(columnJson)
  return (i) => {
    let line = '{'
    for (let c = 0; c < cells.length; c++) {
      if (c > 0) line += ','
      line += (keys[c] as string) + (cells[c] as (i: number) => string)(i)
    }
    return `${line}}`
  }
}

/** How to print value `i` of a column as JSON (`null` for nulls). */
function columnJson(data: ColumnData): (i: number) => string {
  const text = valueJson(data)
  if (data.nullCount === 0) return text
  return (i) => (data.isValid(i) ? text(i) : 'null')
}

function valueJson(data: ColumnData): (i: number) => string {
  const text = valueText(data)
  switch (data.kind) {
    case 'fixed':
      if (data.type === 'date' || data.type === 'timestamp') return (i) => `"${text(i)}"`
      if (data.type === 'float32' || data.type === 'float64') {
        const values = data.values
        return (i) => numberJson(values[i] as number)
      }
      return text
    case 'bool':
    case 'json':
      return text
    case 'utf8':
    case 'dictionary':
      return data.type === 'binary' ? (i) => `"${text(i)}"` : (i) => JSON.stringify(text(i))
    case 'vector':
      return (i) => {
        const v = data.get(i) as Float32Array
        let out = '['
        for (let k = 0; k < v.length; k++) out += (k > 0 ? ',' : '') + numberJson(v[k] as number)
        return `${out}]`
      }
  }
}

function numberJson(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null'
}
