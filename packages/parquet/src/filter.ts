import type { ColumnData } from '@sd/core'
import type { ColumnChunk, ParquetQueryFilter, RowGroup } from 'hyparquet'
import { canSkipRowGroup, columnsNeededForFilter } from 'hyparquet/src/filter.js'
import { equals } from 'hyparquet/src/utils.js'
import type { ParquetFilter } from './options.js'

type Predicate = (value: unknown) => boolean
type Values = ArrayLike<unknown>

/**
 * The values of a column as a filter reads them: numbers, bigints and strings as stored, `null`
 * for nulls, booleans as `true`/`false`, dates and timestamps as `Date`s.
 */
export function filterValues(data: ColumnData): ArrayLike<unknown> {
  if (data.nullCount === 0 && data.kind === 'fixed' && data.type !== 'date' && data.type !== 'timestamp') {
    return data.values
  }
  if (data.kind === 'utf8' || data.kind === 'dictionary' || data.kind === 'json') return data.toValues()
  const out: unknown[] = new Array(data.length)
  for (let i = 0; i < data.length; i++) out[i] = data.get(i)
  return out
}

/** Top-level columns a filter reads (the first segment of dotted paths). */
export function filterColumns(filter: ParquetFilter | undefined): string[] {
  return columnsNeededForFilter(filter as ParquetQueryFilter | undefined)
}

/**
 * The rows of a piece that match `filter`, as a 0/1 mask: the same answer hyparquet's
 * `matchFilter` gives row by row, computed column by column.
 */
export function filterMask(
  filter: ParquetFilter,
  strict: boolean,
  column: (name: string) => Values | undefined,
  n: number,
): Uint8Array {
  return evalNode(filter as Record<string, unknown>, strict, column, n)
}

function evalNode(
  filter: Record<string, unknown>,
  strict: boolean,
  column: (name: string) => Values | undefined,
  n: number,
): Uint8Array {
  const { $and, $or, $nor } = filter
  if (Array.isArray($and)) {
    const out = new Uint8Array(n).fill(1)
    for (const sub of $and) andInto(out, evalNode(sub, strict, column, n))
    return out
  }
  if (Array.isArray($or) || Array.isArray($nor)) {
    const subs = (Array.isArray($or) ? $or : $nor) as Record<string, unknown>[]
    const out = new Uint8Array(n)
    for (const sub of subs) {
      const mask = evalNode(sub, strict, column, n)
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) | (mask[i] as number)
    }
    if (Array.isArray($or)) return out
    for (let i = 0; i < n; i++) out[i] = out[i] ? 0 : 1
    return out
  }
  const out = new Uint8Array(n).fill(1)
  for (const [field, condition] of Object.entries(filter)) {
    const predicate = compileCondition(condition, strict)
    const [top, ...rest] = field.split('.')
    const values = column(top as string)
    for (let i = 0; i < n; i++) {
      if (!out[i]) continue
      let value = values?.[i]
      for (const part of rest) value = (value as Record<string, unknown> | null | undefined)?.[part]
      if (!predicate(value)) out[i] = 0
    }
  }
  return out
}

function andInto(out: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) & (mask[i] as number)
}

/** One field's condition as a predicate, mirroring hyparquet's `matchFilter` operator by operator. */
function compileCondition(condition: unknown, strict: boolean): Predicate {
  // a bare value (or null, or an array) means equality
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    return (v) => equals(v, condition, strict)
  }
  const checks: Predicate[] = []
  for (const [operator, target] of Object.entries(condition as Record<string, unknown>)) {
    const t = target as number
    switch (operator) {
      case '$gt':
        checks.push((v) => v !== null && v !== undefined && (v as number) > t)
        break
      case '$gte':
        checks.push((v) => v !== null && v !== undefined && (v as number) >= t)
        break
      case '$lt':
        checks.push((v) => v !== null && v !== undefined && (v as number) < t)
        break
      case '$lte':
        checks.push((v) => v !== null && v !== undefined && (v as number) <= t)
        break
      case '$eq':
        checks.push((v) => equals(v, target, strict))
        break
      case '$ne':
        checks.push((v) => !equals(v, target, strict))
        break
      case '$in':
        checks.push(Array.isArray(target) ? (v) => matchesIn(v, target, strict) : () => false)
        break
      case '$nin':
        checks.push(Array.isArray(target) ? (v) => !matchesIn(v, target, strict) : () => false)
        break
      case '$not': {
        const inner = compileCondition(target, strict)
        checks.push((v) => !inner(v))
        break
      }
      default:
      // hyparquet ignores operators it does not know
    }
  }
  if (checks.length === 0) return () => true
  if (checks.length === 1) return checks[0] as Predicate
  return (v) => {
    for (const check of checks) if (!check(v)) return false
    return true
  }
}

function matchesIn(value: unknown, targets: unknown[], strict: boolean): boolean {
  for (const target of targets) {
    if (equals(value, target, strict)) return true
    if (Array.isArray(value) && value.some((element) => equals(element, target, strict))) return true
  }
  return false
}

/**
 * True when a row group's footer statistics (min, max, null count), or the file's constant
 * partition values, prove that no row matches `filter`.
 */
export function canSkip(
  rowGroup: RowGroup,
  physicalColumns: string[],
  partitions: readonly { name: string; value: unknown }[],
  original: ParquetFilter,
  strict: boolean,
): boolean {
  const filter = explicitEquality(original)
  if (partitions.length === 0) {
    return canSkipRowGroup({ rowGroup, physicalColumns, filter: filter as ParquetQueryFilter, strict })
  }
  // a partition value is a column whose min and max are that value
  const extra = partitions.map(({ value }) => {
    const statistics =
      value === null
        ? { null_count: rowGroup.num_rows }
        : { min_value: value as never, max_value: value as never, null_count: 0n }
    return { file_offset: 0n, meta_data: { statistics } } as unknown as ColumnChunk
  })
  return canSkipRowGroup({
    rowGroup: { ...rowGroup, columns: [...rowGroup.columns, ...extra] },
    physicalColumns: [...physicalColumns, ...partitions.map((p) => p.name)],
    filter: filter as ParquetQueryFilter,
    strict,
  })
}

/**
 * hyparquet prunes only on operators: `{ year: 2021 }` means `{ year: { $eq: 2021 } }` to the row
 * filter, so it is rewritten that way for pruning (same rows match either way).
 */
export function explicitEquality(filter: ParquetFilter): ParquetFilter {
  const node = filter as Record<string, unknown>
  for (const op of ['$and', '$or', '$nor'] as const) {
    const subs = node[op]
    if (Array.isArray(subs))
      return { ...node, [op]: subs.map((s) => explicitEquality(s as ParquetFilter)) } as ParquetFilter
  }
  const out: Record<string, unknown> = {}
  for (const [field, condition] of Object.entries(node)) {
    const primitive = condition === null || (typeof condition !== 'object' && condition !== undefined)
    out[field] = primitive ? { $eq: condition } : condition
  }
  return out as ParquetFilter
}
