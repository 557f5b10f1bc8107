import {
  type ColumnData,
  type Field,
  invalidOption,
  type RecordBatch,
  type TextEncoding,
  type TextWriteResult,
  type TextWriteSource,
  valueText,
  writeTextBatches,
} from '@sd/core'

/** Options of {@link writeCsv}. */
export interface CsvWriteOptions {
  /** Field delimiter (one character). Default `','`. */
  delimiter?: string
  /** Quote character. Default `'"'`; a quote inside a field is doubled. */
  quote?: string
  /** Write a header line with the column names. Default true. */
  header?: boolean
  /** The text of a null. Default `''` (an empty string value is then written as `""`). */
  nullValue?: string
  /** Record separator. Default `'\n'`. */
  lineEnding?: '\n' | '\r\n'
  /** Stops writing; the partial file is removed. */
  signal?: AbortSignal
}

/** What {@link writeCsv} wrote. */
export type CsvWriteResult = TextWriteResult

/** Rows joined into one piece of text. */
const ROWS_PER_PIECE = 1024

/**
 * Writes a dataset (or any iterable of batches) as a CSV file, one batch at a time, so memory
 * holds a batch and its text. The file appears complete or not at all (written under a
 * temporary name and renamed; an error or an abort leaves an existing file untouched).
 *
 * Values: numbers as JavaScript prints them (shortest exact form; `NaN`, `Infinity`), int64 as
 * all their digits, booleans `true`/`false`, dates `YYYY-MM-DD`, timestamps ISO 8601 in UTC with
 * every digit of their unit, binary as base64, JSON and vector values as JSON text. A field is
 * quoted when it holds the delimiter, the quote, a line break, or is an empty string while nulls
 * are written empty. {@link loadCsv} reads the file back with the same values (strings for dates,
 * timestamps, binary and JSON).
 *
 * @example
 * ```ts
 * await writeCsv(loadParquet('events.parquet', { columns: ['id', 'name'] }), 'events.csv')
 * ```
 */
export async function writeCsv(
  source: TextWriteSource,
  path: string,
  options: CsvWriteOptions = {},
): Promise<CsvWriteResult> {
  const delimiter = oneChar('delimiter', options.delimiter, ',')
  const quote = oneChar('quote', options.quote, '"')
  if (delimiter === quote)
    throw invalidOption(`delimiter and quote must differ, both are ${JSON.stringify(quote)}`)
  const nullValue = options.nullValue ?? ''
  if (typeof nullValue !== 'string')
    throw invalidOption(`nullValue must be a string, got ${JSON.stringify(nullValue)}`)
  const lineEnding = options.lineEnding ?? '\n'
  if (lineEnding !== '\n' && lineEnding !== '\r\n') {
    throw invalidOption(`lineEnding must be '\\n' or '\\r\\n', got ${JSON.stringify(lineEnding)}`)
  }
  const needsQuotes = new RegExp(`[${escapeClass(delimiter)}${escapeClass(quote)}\\r\\n]`)
  const doubled = quote + quote
  const field = (text: string): string => {
    if (text === '' && nullValue === '') return doubled
    if (text === nullValue || needsQuotes.test(text)) return quote + text.replaceAll(quote, doubled) + quote
    return text
  }
  const encoding: TextEncoding = {
    head: (schema: Field[]) =>
      options.header === false ? '' : schema.map((f) => field(f.name)).join(delimiter) + lineEnding,
    *rows(batch: RecordBatch) {
      const cells = batch.columns().map((data) => columnCells(data, field, nullValue))
      const n = batch.numRows
      for (let start = 0; start < n; start += ROWS_PER_PIECE) {
        const end = Math.min(n, start + ROWS_PER_PIECE)
        let text = ''
        for (let i = start; i < end; i++) {
          let line = ''
          for (let c = 0; c < cells.length; c++) {
            if (c > 0) line += delimiter
            line += (cells[c] as string[])[i]
          }
          text += line + lineEnding
        }
        yield text
      }
    },
  }
  return writeTextBatches(source, path, encoding, options.signal)
}

/** The CSV text of every cell of a column, quoted as needed. */
function columnCells(data: ColumnData, field: (text: string) => string, nullValue: string): string[] {
  const n = data.length
  const out = new Array<string>(n)
  const text = valueText(data)
  for (let i = 0; i < n; i++) out[i] = data.isValid(i) ? field(text(i)) : nullValue
  return out
}

function oneChar(name: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value.length !== 1 || value === '\r' || value === '\n') {
    throw invalidOption(`${name} must be one character other than a line break, got ${JSON.stringify(value)}`)
  }
  return value
}

function escapeClass(char: string): string {
  return char.replace(/[\\\]^-]/g, '\\$&')
}
