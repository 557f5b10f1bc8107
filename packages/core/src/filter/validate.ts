import { invalidFilter } from './errors.js'
import type { Filter } from './types.js'

const COMBINATORS = new Set(['$and', '$or', '$nor'])
const COMPARISONS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte'])
const LISTS = new Set(['$in', '$nin'])

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

function isScalar(value: unknown): boolean {
  if (value === null) return true
  const t = typeof value
  if (t === 'number') return !Number.isNaN(value)
  return (
    t === 'string' ||
    t === 'bigint' ||
    t === 'boolean' ||
    value instanceof Date ||
    value instanceof Uint8Array
  )
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN'
  if (typeof value === 'object' && value !== null)
    return `an object (${value.constructor?.name ?? 'no prototype'})`
  return `${typeof value} ${String(value)}`
}

/**
 * Checks that `filter` is a well-formed filter and returns the fields it reads (dotted paths kept
 * whole, in order of first use). Throws a `ValidationError` with code `INVALID_FILTER` naming the
 * place inside the filter otherwise: an unknown `$operator`, `$in` without an array, `$and` without an
 * array of filters, a comparison with an object or `NaN`, an empty field name.
 *
 * @example
 * ```ts
 * validateFilter({ $or: [{ lang: 'en' }, { score: { $gte: 0.5 } }] }) // ['lang', 'score']
 * ```
 */
export function validateFilter(filter: unknown): string[] {
  const fields: string[] = []
  visitFilter(filter, '', fields)
  return fields
}

function visitFilter(node: unknown, path: string, fields: string[]): void {
  if (!isPlainObject(node))
    throw invalidFilter(path, `expected an object of conditions, got ${describe(node)}`)
  for (const key of Object.keys(node)) {
    const value = node[key]
    const at = path ? `${path}.${key}` : key
    if (COMBINATORS.has(key)) {
      if (!Array.isArray(value))
        throw invalidFilter(at, `expected an array of filters, got ${describe(value)}`)
      value.forEach((sub, i) => {
        visitFilter(sub, `${at}[${i}]`, fields)
      })
      continue
    }
    if (key.startsWith('$'))
      throw invalidFilter(at, `unknown operator ${key} (expected $and, $or, $nor or a field)`)
    if (key === '') throw invalidFilter(at, 'empty field name')
    if (!fields.includes(key)) fields.push(key)
    visitCondition(value, at)
  }
}

function visitCondition(condition: unknown, path: string): void {
  if (isScalar(condition)) return
  if (Array.isArray(condition)) {
    // equality with an array value
    condition.forEach((v, i) => {
      if (!isScalar(v)) throw invalidFilter(`${path}[${i}]`, `expected a value, got ${describe(v)}`)
    })
    return
  }
  if (!isPlainObject(condition))
    throw invalidFilter(path, `expected a value or an object of operators, got ${describe(condition)}`)
  const ops = Object.keys(condition)
  if (ops.length === 0) throw invalidFilter(path, 'expected at least one operator, got {}')
  for (const op of ops) {
    const target = condition[op]
    const at = `${path}.${op}`
    if (COMPARISONS.has(op)) {
      if (!isScalar(target)) throw invalidFilter(at, `expected a value, got ${describe(target)}`)
    } else if (LISTS.has(op)) {
      if (!Array.isArray(target))
        throw invalidFilter(at, `expected an array of values, got ${describe(target)}`)
      target.forEach((v, i) => {
        if (!isScalar(v)) throw invalidFilter(`${at}[${i}]`, `expected a value, got ${describe(v)}`)
      })
    } else if (op === '$not') {
      visitCondition(target, at)
    } else {
      throw invalidFilter(at, `unknown operator ${op} (expected $eq $ne $gt $gte $lt $lte $in $nin $not)`)
    }
  }
}

/** The fields a filter reads (validating it first). */
export function filterFields(filter: Filter): string[] {
  return validateFilter(filter)
}
