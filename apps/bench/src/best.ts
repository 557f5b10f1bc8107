import { shortRate } from './format-number.js'
import type { BestConfig, ConfigResult, Format } from './types.js'

const mib = (n: number | undefined) => (n === undefined ? '' : `, ${n.toFixed(0)} MiB peak`)

/**
 * The fastest configuration among `candidates`, and the one using least memory among those
 * within 10% of it (a setting worth taking when memory is tight).
 */
function pick(
  format: Format,
  scope: string,
  candidates: ConfigResult[],
  unit: string,
): BestConfig | undefined {
  const ok = candidates.filter((c) => c.status === 'ok' && c.figures && c.figures.recordsPerSecond > 0)
  if (ok.length === 0) return undefined
  const fastest = ok.reduce((a, b) =>
    (b.figures?.recordsPerSecond ?? 0) > (a.figures?.recordsPerSecond ?? 0) ? b : a,
  )
  const top = fastest.figures?.recordsPerSecond ?? 0
  const best: BestConfig = {
    format,
    scope,
    id: fastest.id,
    label: fastest.label,
    recordsPerSecond: top,
    summary: `${format} (${scope}): ${fastest.label} is fastest at ${shortRate(top)} ${unit}/s${mib(fastest.figures?.peakRssMb)}`,
  }
  if (fastest.figures?.peakRssMb !== undefined) best.peakRssMb = fastest.figures.peakRssMb
  const close = ok.filter(
    (c) => (c.figures?.recordsPerSecond ?? 0) >= 0.9 * top && c.figures?.peakRssMb !== undefined,
  )
  const lean = close.reduce<ConfigResult | undefined>(
    (a, b) => (a === undefined || (b.figures?.peakRssMb ?? 0) < (a.figures?.peakRssMb ?? 0) ? b : a),
    undefined,
  )
  const leanRss = lean?.figures?.peakRssMb
  if (
    lean &&
    lean.id !== fastest.id &&
    leanRss !== undefined &&
    leanRss < (fastest.figures?.peakRssMb ?? 0) * 0.95
  ) {
    best.lean = {
      id: lean.id,
      label: lean.label,
      recordsPerSecond: lean.figures?.recordsPerSecond ?? 0,
      peakRssMb: leanRss,
    }
    best.summary += `; ${lean.label} is within 10% at ${leanRss.toFixed(0)} MiB`
  }
  return best
}

/** The best configuration per format (per access pattern for vectors). */
export function bestConfigs(configs: ConfigResult[]): BestConfig[] {
  const out: BestConfig[] = []
  const formats = [...new Set(configs.map((c) => c.format))]
  for (const format of formats) {
    const mine = configs.filter((c) => c.format === format)
    if (format === 'vectors') {
      for (const access of ['sequential', 'random'] as const) {
        const found = pick(
          format,
          `${access} access`,
          mine.filter((c) => c.params.access === access),
          'vectors',
        )
        if (found) out.push(found)
      }
      continue
    }
    const grid = mine.filter((c) => c.comparison === 'batch-prefetch')
    const found =
      pick(format, 'batch size × prefetch depth', grid, 'records') ??
      pick(
        format,
        'sd loader',
        mine.filter((c) => c.comparison === 'raw-parser' && c.params.reader === 'sd'),
        'records',
      )
    if (found) out.push(found)
  }
  return out
}
