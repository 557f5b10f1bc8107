import { availableParallelism } from 'node:os'
import { ValidationError } from './errors.js'

/**
 * Small validators for loader options, shared so every package words the same mistake the same
 * way. Each throws a {@link ValidationError} with code `INVALID_OPTION` naming the option.
 */

/** A `ValidationError` (`INVALID_OPTION`) with `message`. */
export function invalidOption(message: string): ValidationError {
  return new ValidationError(message, { code: 'INVALID_OPTION' })
}

/** `value` when it is one of `allowed`, `fallback` when undefined; anything else throws. */
export function oneOf<T extends string>(
  name: string,
  value: T | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value))
    throw invalidOption(
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
    )
  return value
}

/** A positive integer, `fallback` when undefined. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value <= 0)
    throw invalidOption(`${name} must be a positive integer, got ${JSON.stringify(value)}`)
  return value
}

/** A non-negative integer, `fallback` when undefined. */
export function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0)
    throw invalidOption(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`)
  return value
}

/** A non-empty string, `undefined` when undefined. */
export function nonEmptyString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0)
    throw invalidOption(`${name} must be a non-empty string, got ${JSON.stringify(value)}`)
  return value
}

/** A list of distinct names (at least one), `undefined` when undefined. */
export function nameList(name: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalidOption(`${name} must be an array of strings, got ${JSON.stringify(value)}`)
  if (value.length === 0) throw invalidOption(`${name} must name at least one column`)
  const seen = new Set<string>()
  for (const v of value as string[]) {
    if (seen.has(v)) throw invalidOption(`${name} names "${v}" twice`)
    seen.add(v)
  }
  return value as string[]
}

/** How many threads decode: `'auto'` or a count; `0` decodes in the calling thread. */
export type WorkersOption = 'auto' | number

/**
 * The worker count of a `workers` option: `'auto'` is the machine's available parallelism (at
 * least 1), a number is taken as it is (0 = decode in the main thread). With `callerParses` (a
 * pass whose calling thread parses its share, as the text loaders' do), `'auto'` counts the
 * calling thread among the cores: one worker fewer, at least 1.
 */
export function resolveWorkers(
  value: WorkersOption | undefined,
  fallback: WorkersOption,
  callerParses = false,
): number {
  const v = value ?? fallback
  if (v === 'auto') return Math.max(1, availableParallelism() - (callerParses ? 1 : 0))
  return nonNegativeInteger('workers', v as number, 0)
}

/** How 64-bit integers are returned: `BigInt64Array` (`'bigint'`) or `float64` (`'number'`). */
export type Int64Option = 'bigint' | 'number'

/** The `int64` option (default `'bigint'`). */
export function resolveInt64(value: Int64Option | undefined): Int64Option {
  return oneOf('int64', value, ['bigint', 'number'], 'bigint')
}
