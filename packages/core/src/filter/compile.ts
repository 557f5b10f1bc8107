import { filterEquals } from './equals.js'
import type { Filter, FilterOptions } from './types.js'
import { validateFilter } from './validate.js'

/** A test of one value. */
type ValuePredicate = (value: unknown) => boolean
/** A test of one row, given how to read a field of it. */
type RowTest = (row: unknown, read: FieldReader) => boolean
/** Reads `field` (a whole, possibly dotted, field name) of `row` (an object, or a row number). */
type FieldReader = (row: unknown, field: string) => unknown

/** A filter compiled once, to test rows or build a mask over many rows. */
export interface CompiledFilter {
  /** The fields the filter reads, in order of first use. */
  readonly fields: readonly string[]
  /** True when the row object matches. Keys are read as own properties only (never a prototype's). */
  matches(row: object): boolean
  /**
   * A 0/1 mask over `length` rows stored as columns: `column(name)` gives the values of a top-level
   * field by row (or `undefined` when no row has it).
   */
  mask(column: (name: string) => ArrayLike<unknown> | undefined, length: number): Uint8Array
  /** A 0/1 mask over row objects (the same answer as {@link CompiledFilter.matches} row by row). */
  maskRows(rows: ArrayLike<object | null | undefined>): Uint8Array
}

/** The value at `field` of an object: the own key itself if present, else a walk along its dotted path. */
export function readField(row: unknown, field: string): unknown {
  if (row === null || typeof row !== 'object') return undefined
  if (Object.hasOwn(row, field)) return (row as Record<string, unknown>)[field]
  if (!field.includes('.')) return undefined
  let value: unknown = row
  for (const part of field.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

/**
 * Validates `filter` (see `validateFilter`) and compiles it once into predicates over rows and masks
 * over columns. Semantics: a bare value (or `null`, or an array) means equality; `$gt $gte $lt $lte`
 * never match `null` or a missing value; `$ne` and `$nin` match a missing value; `$in` also matches
 * an array value one of whose elements is listed; fields at one level and `$and` all hold, `$or` one,
 * `$nor` none.
 *
 * @example
 * ```ts
 * const f = compileFilter({ lang: 'en', score: { $gte: 0.5 } })
 * f.matches({ lang: 'en', score: 0.7 }) // true
 * f.maskRows([{ lang: 'fr', score: 1 }, { lang: 'en', score: 0.9 }]) // Uint8Array [0, 1]
 * ```
 */
export function compileFilter(filter: Filter, options: FilterOptions = {}): CompiledFilter {
  const fields = validateFilter(filter)
  const strict = options.strict ?? true
  const test = compileNode(filter as Record<string, unknown>, strict)
  const readRow: FieldReader = (row, field) => readField(row, field)
  return {
    fields,
    matches: (row) => test(row, readRow),
    maskRows(rows) {
      const out = new Uint8Array(rows.length)
      for (let i = 0; i < rows.length; i++) out[i] = test(rows[i], readRow) ? 1 : 0
      return out
    },
    mask(column, length) {
      const columns = new Map<string, ArrayLike<unknown> | undefined>()
      const valuesOf = (name: string) => {
        if (!columns.has(name)) columns.set(name, column(name))
        return columns.get(name)
      }
      const readColumn: FieldReader = (i, field) => {
        const [top, ...rest] = field.split('.')
        let value: unknown = valuesOf(top as string)?.[i as number]
        for (const part of rest) value = readField(value, part)
        return value
      }
      const out = new Uint8Array(length)
      for (let i = 0; i < length; i++) out[i] = test(i, readColumn) ? 1 : 0
      return out
    },
  }
}

function compileNode(node: Record<string, unknown>, strict: boolean): RowTest {
  const tests: RowTest[] = []
  for (const key of Object.keys(node)) {
    const value = node[key]
    if (key === '$and' || key === '$or' || key === '$nor') {
      const subs = (value as Record<string, unknown>[]).map((s) => compileNode(s, strict))
      if (key === '$and') tests.push((row, read) => subs.every((t) => t(row, read)))
      else if (key === '$or') tests.push((row, read) => subs.some((t) => t(row, read)))
      else tests.push((row, read) => !subs.some((t) => t(row, read)))
      continue
    }
    const predicate = compileCondition(value, strict)
    tests.push((row, read) => predicate(read(row, key)))
  }
  if (tests.length === 1) return tests[0] as RowTest
  return (row, read) => {
    for (const t of tests) if (!t(row, read)) return false
    return true
  }
}

/** True when a filter condition is an object of operators (`{ $gt: 1 }`), not a value to equal. */
export function isOperatorObject(condition: unknown): condition is Record<string, unknown> {
  return (
    typeof condition === 'object' &&
    condition !== null &&
    !Array.isArray(condition) &&
    !(condition instanceof Date) &&
    !(condition instanceof Uint8Array)
  )
}

const present = (v: unknown) => v !== null && v !== undefined

function compileCondition(condition: unknown, strict: boolean): ValuePredicate {
  if (!isOperatorObject(condition)) return (v) => filterEquals(v, condition, strict)
  const checks: ValuePredicate[] = []
  for (const op of Object.keys(condition)) {
    const target = condition[op]
    const t = target as number
    switch (op) {
      case '$eq':
        checks.push((v) => filterEquals(v, target, strict))
        break
      case '$ne':
        checks.push((v) => !filterEquals(v, target, strict))
        break
      case '$gt':
        checks.push((v) => present(v) && (v as number) > t)
        break
      case '$gte':
        checks.push((v) => present(v) && (v as number) >= t)
        break
      case '$lt':
        checks.push((v) => present(v) && (v as number) < t)
        break
      case '$lte':
        checks.push((v) => present(v) && (v as number) <= t)
        break
      case '$in':
        checks.push(inList(target as unknown[], strict))
        break
      case '$nin': {
        const inside = inList(target as unknown[], strict)
        checks.push((v) => !inside(v))
        break
      }
      case '$not': {
        const inner = compileCondition(target, strict)
        checks.push((v) => !inner(v))
        break
      }
    }
  }
  if (checks.length === 1) return checks[0] as ValuePredicate
  return (v) => {
    for (const check of checks) if (!check(v)) return false
    return true
  }
}

function inList(targets: unknown[], strict: boolean): ValuePredicate {
  // primitives in a Set when equality is strict (the common case: many ids or tags)
  const simple = strict && targets.every((t) => t === null || typeof t !== 'object')
  if (simple) {
    const set = new Set(targets)
    return (v) => set.has(v) || (Array.isArray(v) && v.some((e) => set.has(e)))
  }
  return (v) => {
    for (const target of targets) {
      if (filterEquals(v, target, strict)) return true
      if (Array.isArray(v) && v.some((e) => filterEquals(e, target, strict))) return true
    }
    return false
  }
}
