/** `1234567.8` -> `1,234,568` (or with `digits` decimals); empty for missing values. */
export function num(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return ''
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** Bytes as MB (10^6) with one decimal. */
export function megabytes(bytes: number): string {
  return `${num(bytes / 1e6, 1)} MB`
}

/** A rate in short form: `1.23M`, `456K`, `789`. */
export function shortRate(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return ''
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}K`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`
  return n.toFixed(0)
}
