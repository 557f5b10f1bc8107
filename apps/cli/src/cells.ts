import { type ColumnData, type Field, valueText } from '@sd/core'

/** Longest cell shown in a table. */
const MAX_CELL = 40

/**
 * The cells of a column for a table: values as sd writes them as text (ISO dates, every int64
 * digit, base64 binary), vectors with 4 significant digits, `null` for nulls, long text cut with
 * `…` and line breaks shown as `⏎`.
 */
export function columnCells(data: ColumnData, rows: number): string[] {
  const text =
    data.kind === 'vector'
      ? (i: number) =>
          `[${Array.from(data.get(i) as Float32Array, (x) => Number(x.toPrecision(4))).join(', ')}]`
      : valueText(data)
  return Array.from({ length: rows }, (_, i) => (data.isValid(i) ? cut(text(i)) : 'null'))
}

function cut(text: string): string {
  const flat = text.replace(/\r?\n/g, '⏎')
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat
}

/** A field's type with its details: `vector[384]`, `timestamp[us, UTC]`. */
export function typeDetail(f: Field): string {
  if (f.type === 'vector' && f.dimension !== undefined) return `vector[${f.dimension}]`
  if (f.type === 'timestamp' && f.unit !== undefined) {
    return `timestamp[${f.unit}${f.timezone ? `, ${f.timezone}` : ''}]`
  }
  return f.type
}
