import { megabytes, num } from './format-number.js'
import { COMPARISONS, type ConfigResult, type HarnessResult } from './types.js'

/** The figures every configuration reports, as column headings (terminal table and HTML report). */
export const FIGURE_HEADER = [
  'configuration',
  'records/s',
  'MB/s',
  'first batch ms',
  'p50 batch ms',
  'p95 batch ms',
  'peak RSS MiB',
]

function row(c: ConfigResult): string[] {
  const f = c.figures
  return [
    c.label,
    num(f?.recordsPerSecond),
    num(f?.mbPerSecond, 1),
    num(f?.timeToFirstBatchMs, 1),
    num(f?.p50BatchMs, 2),
    num(f?.p95BatchMs, 2),
    num(f?.peakRssMb, 0),
  ]
}

/** Rows as a Markdown table with aligned columns (numbers right-aligned), readable as plain text. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(Math.max(1, w - 1))}:`)).join(' | ')} |`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

const TITLES: Record<string, string> = {
  'batch-prefetch': 'batch size × prefetch depth',
  cache: 'cache on vs off (repeated passes)',
  'raw-parser': 'sd loader vs raw parser',
  'vector-access': 'vector access: backend × order',
}

/** The whole result as text for the terminal: one section per dataset and comparison, then the best picks. */
export function resultTable(result: HarnessResult): string {
  const out: string[] = []
  for (const dataset of result.datasets) {
    const mine = result.configurations.filter((c) => c.format === dataset.format)
    if (mine.length === 0) continue
    const rows =
      dataset.rows === undefined
        ? ''
        : `, ${num(dataset.rows)} ${dataset.format === 'vectors' ? `vectors × ${dataset.dimension}` : 'rows'}`
    out.push(`## ${dataset.format}: ${dataset.path} (${megabytes(dataset.sizeBytes)}${rows})`)
    for (const comparison of COMPARISONS) {
      const group = mine.filter((c) => c.comparison === comparison)
      if (group.length === 0) continue
      out.push('', `### ${TITLES[comparison]}`, '')
      const measured = group.filter((c) => c.status === 'ok')
      if (measured.length > 0) out.push(markdownTable(FIGURE_HEADER, measured.map(row)))
      const skipped = group.filter((c) => c.status !== 'ok')
      for (const reason of new Set(skipped.map((c) => `${c.status}: ${c.reason ?? 'no reason given'}`))) {
        const n = skipped.filter((c) => `${c.status}: ${c.reason ?? 'no reason given'}` === reason).length
        out.push(`${n} configuration${n === 1 ? '' : 's'} not measured (${reason})`)
      }
    }
    out.push('')
  }
  if (result.best.length > 0) {
    out.push('## best configuration per format', '')
    for (const b of result.best) out.push(`- ${b.summary}`)
    out.push('')
  }
  return out.join('\n')
}
