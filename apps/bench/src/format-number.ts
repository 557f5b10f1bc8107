/** `1234567.8` -> `1,234,568` (or with `digits` decimals); empty for missing values. */
export function num(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return ''
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** Bytes as MB (10^6) with one decimal. */
export function megabytes(bytes: number): string {
  return `${num(bytes / 1e6, 1)} MB`
}

const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 })

/** A rate in short form with three significant digits: `1.23M`, `456K`, `1B`, `789`. */
export function shortRate(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return ''
  return COMPACT.format(n)
}
