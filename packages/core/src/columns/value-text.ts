import type { ColumnData } from './column-data.js'
import type { TimeUnit } from './fixed.js'
import { isoDate, isoTimestamp } from './iso-time.js'

/**
 * How sd writes a column's values as text (CSV cells, tables, JSON strings): numbers as JavaScript
 * prints them (shortest exact form; `NaN`, `Infinity`), int64 with all their digits, `true`/`false`,
 * dates `YYYY-MM-DD`, timestamps ISO 8601 in UTC with every digit of their unit, binary as base64,
 * vectors and JSON values as JSON text (bigints inside as digit strings). The function it returns
 * reads slot `i`, which must not be null (check `isValid(i)` first).
 *
 * @example
 * ```ts
 * const text = valueText(batch.data('when'))
 * text(0) // '2024-01-01T00:00:00.000001Z'
 * ```
 */
export function valueText(data: ColumnData): (i: number) => string {
  switch (data.kind) {
    case 'fixed': {
      const values = data.values
      if (data.type === 'date') return (i) => isoDate(values[i] as number)
      if (data.type === 'timestamp') {
        const unit = (data.unit ?? 'ms') as TimeUnit
        return (i) => isoTimestamp(values[i] as bigint, unit)
      }
      return (i) => String(values[i])
    }
    case 'bool':
      return (i) => (data.get(i) ? 'true' : 'false')
    case 'utf8':
    case 'dictionary':
      if (data.type === 'binary') return (i) => Buffer.from(data.get(i) as Uint8Array).toString('base64')
      return (i) => data.get(i) as string
    case 'vector':
      return (i) => `[${(data.get(i) as Float32Array).join(',')}]`
    case 'json':
      return (i) => JSON.stringify(data.get(i), bigintDigits) ?? 'null'
  }
}

function bigintDigits(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
