import type { ColumnData } from './columns/column-data.js'
import { msPerUnit, type TimeUnit } from './columns/fixed.js'
import type { Field } from './schema.js'

type Compiled = (
  payload: readonly unknown[],
  validity: readonly (Uint8Array | undefined)[],
  numbers: readonly number[],
  n: number,
) => Record<string, unknown>[]

const compiled = new Map<string, Compiled>()
const MAX_COMPILED = 256
/** Above this many columns, rows are built by a loop instead of a compiled object literal. */
const MAX_LITERAL_COLUMNS = 512

/**
 * Row objects from columns, with `null` for nulls, `Date`s for dates and timestamps, booleans for
 * bool columns and `Float32Array` views for vectors. For up to a few hundred columns the builder
 * is compiled once per layout into an object literal with a fixed shape, so V8 gives every row
 * the same hidden class. A column named `__proto__` (or `constructor`, `toString`) becomes an own
 * property, never the row's prototype.
 */
export function buildRows(
  fields: readonly Field[],
  columns: readonly ColumnData[],
  numRows: number,
): Record<string, unknown>[] {
  if (columns.length > MAX_LITERAL_COLUMNS) return buildByLoop(fields, columns, numRows)
  const payload: unknown[] = []
  const validity: (Uint8Array | undefined)[] = []
  const numbers: number[] = []
  const exprs: string[] = []
  for (let j = 0; j < columns.length; j++) {
    const data = columns[j] as ColumnData
    const { expr, value, number } = accessor(data, j)
    payload.push(value)
    validity.push(
      data.kind === 'json' || data.kind === 'utf8' || data.kind === 'dictionary' ? undefined : data.validity,
    )
    numbers.push(number)
    const guarded =
      validity[j] === undefined ? expr : `((v${j}[i >>> 3] >>> (i & 7)) & 1) === 1 ? ${expr} : null`
    exprs.push(guarded)
  }
  const keys = fields.map((f) =>
    f.name === '__proto__' ? `[${JSON.stringify(f.name)}]` : JSON.stringify(f.name),
  )
  const source = [
    ...columns.map((_, j) => `const c${j} = C[${j}], v${j} = V[${j}], f${j} = F[${j}];`),
    'const rows = new Array(n);',
    `for (let i = 0; i < n; i++) rows[i] = { ${keys.map((k, j) => `${k}: ${exprs[j]}`).join(', ')} };`,
    'return rows;',
  ].join('\n')
  let fn = compiled.get(source)
  if (!fn) {
    fn = new Function('C', 'V', 'F', 'n', source) as Compiled
    if (compiled.size >= MAX_COMPILED) compiled.clear()
    compiled.set(source, fn)
  }
  return fn(payload, validity, numbers, numRows)
}

/** The expression reading slot `i` of column `j`, and what it reads from. */
function accessor(data: ColumnData, j: number): { expr: string; value: unknown; number: number } {
  switch (data.kind) {
    case 'fixed':
      if (data.type === 'date')
        return { expr: `new Date(c${j}[i] * 86400000)`, value: data.values, number: 0 }
      if (data.type === 'timestamp') {
        // sub-millisecond units divide as integers (a float product lands below the millisecond)
        const unit = data.unit as TimeUnit
        if (unit === 'us' || unit === 'ns') {
          const per = unit === 'us' ? '1000n' : '1000000n'
          return { expr: `new Date(Number(c${j}[i] / ${per}))`, value: data.values, number: 0 }
        }
        return { expr: `new Date(Number(c${j}[i]) * f${j})`, value: data.values, number: msPerUnit(unit) }
      }
      return { expr: `c${j}[i]`, value: data.values, number: 0 }
    case 'bool':
      return { expr: `((c${j}[i >>> 3] >>> (i & 7)) & 1) === 1`, value: data.bits, number: 0 }
    case 'vector':
      return {
        expr: `c${j}.subarray(i * f${j}, i * f${j} + f${j})`,
        value: data.values,
        number: data.dimension,
      }
    default:
      // strings are decoded once for the whole column; nulls are already null there
      return { expr: `c${j}[i]`, value: data.toValues(), number: 0 }
  }
}

/** Rows for very wide batches: one property at a time, `__proto__` defined as an own property. */
function buildByLoop(
  fields: readonly Field[],
  columns: readonly ColumnData[],
  n: number,
): Record<string, unknown>[] {
  const readers = columns.map((data): ((i: number) => unknown) => {
    if (data.kind === 'utf8' || data.kind === 'dictionary') {
      const values = data.toValues()
      return (i) => values[i]
    }
    return (i) => data.get(i)
  })
  const rows: Record<string, unknown>[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const row: Record<string, unknown> = {}
    for (let j = 0; j < fields.length; j++) {
      const name = (fields[j] as Field).name
      const value = (readers[j] as (i: number) => unknown)(i)
      if (name === '__proto__') {
        Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true })
      } else row[name] = value
    }
    rows[i] = row
  }
  return rows
}
