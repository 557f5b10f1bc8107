import { existsSync, readFileSync } from 'node:fs'
import { type Filter, isSdError, validateFilter } from '@sd/core'
import { InvalidArgumentError } from 'commander'

/** A positive integer flag value. */
export function positiveInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`)
  }
  return n
}

/** A non-negative integer flag value (a port). */
export function nonNegativeInt(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`)
  }
  return n
}

/** A comma-separated list of names (`a,b,c`); repeated flags add up. */
export function nameList(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  if (names.length === 0)
    throw new InvalidArgumentError(`expected column names separated by commas, got "${value}"`)
  return [...(previous ?? []), ...names]
}

/**
 * A JSON value given inline or as the path of a file holding it (`--filter '{"id":{"$gt":3}}'`,
 * `--filter filter.json`).
 */
export function jsonValue(value: string): unknown {
  const text = !/^\s*[[{"\d-]/.test(value) && existsSync(value) ? readFileSync(value, 'utf8') : value
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new InvalidArgumentError(`expected JSON (or a file holding it): ${(err as Error).message}`)
  }
}

/** A JSON object (a filter). */
export function jsonObject(value: string): Record<string, unknown> {
  const parsed = jsonValue(value)
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidArgumentError(`expected a JSON object such as {"id":{"$gt":10}}, got ${value}`)
  }
  return parsed as Record<string, unknown>
}

/**
 * A `--filter`: a JSON object (inline or in a file) checked by the sd filter language's own
 * validator, so an unknown operator or a malformed condition is a usage error like malformed JSON.
 */
export function filterValue(value: string): Filter {
  const parsed = jsonObject(value)
  try {
    validateFilter(parsed)
  } catch (err) {
    if (isSdError(err)) throw new InvalidArgumentError(`${err.code}: ${err.message}`)
    throw err
  }
  return parsed as Filter
}

/** `name=type` pairs (`--types big=int64,at=string`); repeated flags add up. */
export function columnTypes(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = { ...previous }
  for (const pair of value.split(',')) {
    const m = /^\s*([^=]+?)\s*=\s*(\w+)\s*$/.exec(pair)
    if (!m) throw new InvalidArgumentError(`expected name=type pairs such as big=int64, got "${pair}"`)
    Object.defineProperty(out, m[1] as string, {
      value: m[2],
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}
