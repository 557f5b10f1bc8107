import type { TimeUnit } from './fixed.js'

const UNITS_PER_SECOND: Record<TimeUnit, bigint> = { s: 1n, ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n }
const FRACTION_DIGITS: Record<TimeUnit, number> = { s: 0, ms: 3, us: 6, ns: 9 }
/** Seconds `Date` can represent (±8.64e15 ms). */
const MAX_SECONDS = 8_640_000_000_000n

/**
 * A `date` value (days since 1970-01-01, Arrow Date32) as `YYYY-MM-DD`.
 *
 * @example
 * ```ts
 * isoDate(19_723) // '2024-01-01'
 * ```
 */
export function isoDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10)
}

/**
 * A `timestamp` value (an integer count of `unit`s since the epoch, UTC) as ISO 8601 with every
 * digit its unit has (`.fff` for ms, `.ffffff` for us, `.fffffffff` for ns), so microseconds and
 * nanoseconds survive, which a `Date` would drop. Instants before 1970 are floored to the second
 * below, as ISO writes them. A value beyond what `Date` can show (±275,000 years) comes back as
 * its integer.
 *
 * @example
 * ```ts
 * isoTimestamp(1_704_067_200_123_456n, 'us') // '2024-01-01T00:00:00.123456Z'
 * ```
 */
export function isoTimestamp(value: bigint, unit: TimeUnit): string {
  const perSecond = UNITS_PER_SECOND[unit]
  let seconds = value / perSecond
  let fraction = value % perSecond
  if (fraction < 0n) {
    seconds -= 1n
    fraction += perSecond
  }
  if (seconds > MAX_SECONDS || seconds < -MAX_SECONDS) return value.toString()
  const whole = new Date(Number(seconds) * 1000).toISOString()
  const digits = FRACTION_DIGITS[unit]
  const head = whole.slice(0, whole.indexOf('.'))
  return digits === 0 ? `${head}Z` : `${head}.${fraction.toString().padStart(digits, '0')}Z`
}
