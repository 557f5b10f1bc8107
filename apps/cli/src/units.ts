/** Bytes as `1.5 MB` (powers of 1000, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?'
  if (bytes < 1000) return `${bytes} B`
  const units = ['kB', 'MB', 'GB', 'TB', 'PB']
  let value = bytes
  let unit = -1
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${units[unit]}`
}

/** A count with thousands separators: `1,234,567`. */
export function formatCount(n: number | bigint): string {
  return n.toLocaleString('en-US')
}

/** Seconds as `0.42 s`, `12.3 s`, `3m05s`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)} s`
  if (seconds < 60) return `${seconds.toFixed(1)} s`
  const m = Math.floor(seconds / 60)
  const s = Math.round(seconds % 60)
  return `${m}m${String(s).padStart(2, '0')}s`
}
