import {
  type ColumnData,
  type CompiledFilter,
  compileFilter,
  type Filter,
  isOperatorObject,
  validateFilter,
} from '@sd/core'
import type { RowGroup, Statistics } from 'hyparquet'
import type { ParquetFilter } from './options.js'

/**
 * Filters are core's filter language (`compileFilter`): one implementation of `$eq $ne $gt $gte
 * $lt $lte $in $nin $not $and $or $nor` for every package. This file adds what is Parquet's own:
 * the columns a filter reads, and row groups ruled out by their statistics.
 */

/** Top-level columns a filter reads (the first segment of dotted paths), in order of first use. */
export function filterColumns(filter: ParquetFilter | undefined): string[] {
  if (!filter) return []
  const out: string[] = []
  for (const field of validateFilter(filter)) {
    const top = field.split('.')[0] as string
    if (!out.includes(top)) out.push(top)
  }
  return out
}

const compiled = new WeakMap<object, { strict: CompiledFilter; loose: CompiledFilter }>()

/** `filter` compiled once (per filter object and strictness). */
function compiledFilter(filter: ParquetFilter, strict: boolean): CompiledFilter {
  let entry = compiled.get(filter)
  if (!entry) {
    entry = {
      strict: compileFilter(filter as Filter, { strict: true }),
      loose: compileFilter(filter as Filter, { strict: false }),
    }
    compiled.set(filter, entry)
  }
  return strict ? entry.strict : entry.loose
}

/** The rows of a piece that match `filter`, as a 0/1 mask, from its columns' values. */
export function filterMask(
  filter: ParquetFilter,
  strict: boolean,
  column: (name: string) => ArrayLike<unknown> | undefined,
  n: number,
): Uint8Array {
  return compiledFilter(filter, strict).mask(column, n)
}

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

/** What a row group's (or a page's) statistics say about one column. */
export interface Bounds {
  min: unknown
  max: unknown
  nulls: number | undefined
  rows: number
}

/**
 * True when a row group's footer statistics (min, max, null count), or the file's constant
 * partition values, prove that no row matches `filter` (in core's semantics: comparisons never
 * match nulls, a bare value means equality). Anything the statistics cannot decide keeps the group.
 */
export function canSkip(
  rowGroup: RowGroup,
  physicalColumns: readonly string[],
  partitions: readonly { name: string; value: unknown }[],
  filter: ParquetFilter,
): boolean {
  const rows = Number(rowGroup.num_rows)
  const bounds = (name: string): Bounds | undefined => {
    const partition = partitions.find((p) => p.name === name)
    if (partition) {
      const value = partition.value
      return value === null
        ? { min: undefined, max: undefined, nulls: rows, rows }
        : { min: value, max: value, nulls: 0, rows }
    }
    const index = physicalColumns.indexOf(name)
    const stats = rowGroup.columns[index]?.meta_data?.statistics
    return stats ? fromStatistics(stats, rows) : undefined
  }
  return skipNode(filter as Record<string, unknown>, bounds)
}

/**
 * True when bounds of the columns (from `bounds(name)`, `undefined` when unknown) prove that no row
 * matches `filter`: the same reasoning as {@link canSkip}, for any range of rows (a page).
 */
export function canSkipBounds(filter: ParquetFilter, bounds: (name: string) => Bounds | undefined): boolean {
  return skipNode(filter as Record<string, unknown>, bounds)
}

function fromStatistics(stats: Statistics, rows: number): Bounds {
  const nulls = stats.null_count === undefined ? undefined : Number(stats.null_count)
  // the deprecated min/max are only trusted for numbers (their string order was ill-defined)
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'bigint'
  const min = stats.min_value ?? (numeric(stats.min) ? stats.min : undefined)
  const max = stats.max_value ?? (numeric(stats.max) ? stats.max : undefined)
  return { min, max, nulls, rows }
}

function skipNode(node: Record<string, unknown>, bounds: (name: string) => Bounds | undefined): boolean {
  for (const key of Object.keys(node)) {
    const value = node[key]
    if (key === '$and') {
      if ((value as Record<string, unknown>[]).some((sub) => skipNode(sub, bounds))) return true
    } else if (key === '$or') {
      const subs = value as Record<string, unknown>[]
      if (subs.length > 0 && subs.every((sub) => skipNode(sub, bounds))) return true
    } else if (key === '$nor') {
      // no row can be proved to match one of them from bounds alone
    } else if (!key.includes('.')) {
      const b = bounds(key)
      if (b && skipCondition(value, b)) return true
    }
  }
  return false
}

/** True when no value within the bounds can satisfy the condition. */
function skipCondition(condition: unknown, b: Bounds): boolean {
  if (!isOperatorObject(condition)) return !mayEqual(condition, b)
  for (const op of Object.keys(condition)) {
    const t = condition[op]
    switch (op) {
      case '$eq':
        if (!mayEqual(t, b)) return true
        break
      case '$gt':
        if (allNull(b) || below(b.max, t, true)) return true
        break
      case '$gte':
        if (allNull(b) || below(b.max, t, false)) return true
        break
      case '$lt':
        if (allNull(b) || above(b.min, t, true)) return true
        break
      case '$lte':
        if (allNull(b) || above(b.min, t, false)) return true
        break
      case '$in':
        if (Array.isArray(t) && t.every((v) => !mayEqual(v, b))) return true
        break
    }
  }
  return false
}

function allNull(b: Bounds): boolean {
  return b.nulls !== undefined && b.nulls >= b.rows && b.rows > 0
}

/** True when some row may equal `target` (null: when some row may be null). */
function mayEqual(target: unknown, b: Bounds): boolean {
  if (target === null) return b.nulls === undefined || b.nulls > 0
  if (allNull(b)) return false
  return !below(b.max, target, false) && !above(b.min, target, false)
}

/** A comparable number, bigint, string, boolean or date; `undefined` when it is not one. */
function key(v: unknown): number | bigint | string | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v
  if (typeof v === 'boolean') return v ? 1 : 0
  if (v instanceof Date) return v.getTime()
  // strings compare as Parquet orders them (bytes) only when both are ASCII
  if (typeof v === 'string' && isAsciiText(v)) return v
  return undefined
}

function isAsciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/** `bound < target` (or `<=` when `orEqual`), when both compare; false when they do not. */
function below(bound: unknown, target: unknown, orEqual: boolean): boolean {
  const a = key(bound)
  const b = key(target)
  if (a === undefined || b === undefined || (typeof a === 'string') !== (typeof b === 'string')) return false
  return orEqual ? a <= b : a < b
}

/** `bound > target` (or `>=` when `orEqual`), when both compare; false when they do not. */
function above(bound: unknown, target: unknown, orEqual: boolean): boolean {
  const a = key(bound)
  const b = key(target)
  if (a === undefined || b === undefined || (typeof a === 'string') !== (typeof b === 'string')) return false
  return orEqual ? a >= b : a > b
}
