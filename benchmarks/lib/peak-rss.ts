import { readFileSync } from 'node:fs'

/**
 * Peak resident set size of this process so far, in MiB, honest in a child process.
 *
 * `process.resourceUsage().maxRSS` is not: Linux keeps the high-water mark across `fork` + `exec`,
 * so a child spawned by a parent holding 400 MiB reports at least ~400 MiB even if it never used
 * more than 40 (measured on Node 20: a 42 MiB child of a 443 MiB parent reported 404 MiB).
 * `VmHWM` in `/proc/self/status` belongs to the new program alone. Elsewhere (no `/proc`), this
 * falls back to `maxRSS`.
 */
export function peakRssMb(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const hwm = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1]
    if (hwm !== undefined) return Number(hwm) / 1024
  } catch {
    // not Linux: no /proc
  }
  return process.resourceUsage().maxRSS / 1024
}
