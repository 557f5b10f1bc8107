import { shortRate } from './format-number.js'
import { esc } from './html.js'

/** Colours of the series, in order (distinct in colour and lightness, readable on white). */
export const PALETTE = [
  '#1b6ca8',
  '#d1495b',
  '#2e933c',
  '#edae49',
  '#6a4c93',
  '#00798c',
  '#8d6a9f',
  '#4d4d4d',
]

const W = 640
const H = 320
const M = { top: 36, right: 150, bottom: 48, left: 72 }
const PW = W - M.left - M.right
const PH = H - M.top - M.bottom

/** A series of a line chart: one value per x category (undefined: not measured). */
export interface LineSeries {
  name: string
  values: (number | undefined)[]
}

/** A group of bars (one x category) of a bar chart. */
export interface BarGroup {
  label: string
  bars: { name: string; value: number | undefined }[]
}

/** Round tick values from 0 to at least `max`. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].find((s) => s * mag >= raw) ?? 10) * mag
  const out: number[] = []
  for (let v = 0; v <= max + step * 0.999; v += step) out.push(v)
  return out
}

/** A y axis: where a value goes (pixels from the top) and which values get a grid line. */
interface Scale {
  ticks: number[]
  y: (v: number) => number
}

/** A linear axis from 0 to a round value at or above `max`. */
function linearScale(max: number): Scale {
  const t = ticks(max)
  const top = t.at(-1) ?? 1
  return { ticks: t, y: (v) => M.top + PH - (v / top) * PH }
}

/** A log10 axis over whole decades around `[min, max]` (for values spanning several decades). */
function logScale(min: number, max: number): Scale {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))))
  const t: number[] = []
  for (let e = lo; e <= hi; e++) t.push(10 ** e)
  return { ticks: t, y: (v) => M.top + PH - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * PH }
}

function frame(
  id: string,
  title: string,
  yLabel: string,
  scale: Scale,
  format: (n: number) => string,
  body: string,
  legend: string[],
  xAxis: string,
): string {
  const { y } = scale
  const grid = scale.ticks
    .map(
      (t) =>
        `<line class="grid" x1="${M.left}" x2="${M.left + PW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/><text class="tick" x="${M.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${esc(format(t))}</text>`,
    )
    .join('')
  const keys = legend
    .map(
      (name, i) =>
        `<g class="legend-item"><rect x="${M.left + PW + 16}" y="${M.top + i * 20}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${M.left + PW + 34}" y="${M.top + i * 20 + 10}">${esc(name)}</text></g>`,
    )
    .join('')
  return `<svg class="chart" id="${esc(id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg">
<title>${esc(title)}</title>
<text class="chart-title" x="${M.left}" y="20">${esc(title)}</text>
${grid}
<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + PH}"/>
<line class="axis" x1="${M.left}" x2="${M.left + PW}" y1="${M.top + PH}" y2="${M.top + PH}"/>
<text class="axis-label" transform="translate(16 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
${xAxis}
${body}
<g class="legend">${keys}</g>
</svg>`
}

/**
 * A line chart over categorical x values (e.g. batch sizes), one line per series, every
 * measured value a `circle.point` carrying its `data-value`.
 */
export function lineChart(opts: {
  id: string
  title: string
  xTitle: string
  xLabels: string[]
  yLabel: string
  series: LineSeries[]
  format?: (n: number) => string
}): string {
  const format = opts.format ?? shortRate
  const max = Math.max(0, ...opts.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)))
  const scale = linearScale(max)
  const { y } = scale
  const n = opts.xLabels.length
  const x = (i: number) => M.left + (n === 1 ? PW / 2 : 24 + (i * (PW - 48)) / (n - 1))
  const xAxis =
    opts.xLabels
      .map(
        (l, i) =>
          `<text class="tick" x="${x(i).toFixed(1)}" y="${M.top + PH + 18}" text-anchor="middle">${esc(l)}</text>`,
      )
      .join('') +
    `<text class="axis-label" x="${M.left + PW / 2}" y="${H - 8}" text-anchor="middle">${esc(opts.xTitle)}</text>`
  const body = opts.series
    .map((s, si) => {
      const colour = PALETTE[si % PALETTE.length]
      const pts = s.values.flatMap((v, i) => (v === undefined ? [] : [{ i, v }]))
      const path = pts
        .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`)
        .join(' ')
      const dots = pts
        .map(
          (p) =>
            `<circle class="point" cx="${x(p.i).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="4" fill="${colour}" data-series="${esc(s.name)}" data-x="${esc(opts.xLabels[p.i] ?? '')}" data-value="${p.v}"><title>${esc(`${s.name}, ${opts.xTitle} ${opts.xLabels[p.i]}: ${format(p.v)} ${opts.yLabel}`)}</title></circle>`,
        )
        .join('')
      return `<g class="series">${pts.length > 1 ? `<path class="line" d="${path}" stroke="${colour}"/>` : ''}${dots}</g>`
    })
    .join('\n')
  return frame(
    opts.id,
    opts.title,
    opts.yLabel,
    scale,
    format,
    body,
    opts.series.map((s) => s.name),
    xAxis,
  )
}

/** A grouped bar chart: one group per category, one `rect.bar` per measured value with its `data-value`. */
export function barChart(opts: {
  id: string
  title: string
  yLabel: string
  groups: BarGroup[]
  format?: (n: number) => string
  /** A log10 axis, for values that span decades (a cache replay against a cold read). */
  log?: boolean
}): string {
  const format = opts.format ?? shortRate
  const names = [...new Set(opts.groups.flatMap((g) => g.bars.map((b) => b.name)))]
  const values = opts.groups.flatMap((g) => g.bars.flatMap((b) => (b.value === undefined ? [] : [b.value])))
  const max = Math.max(0, ...values)
  const scale = opts.log ? logScale(Math.min(...values.filter((v) => v > 0)), max) : linearScale(max)
  const groupW = PW / Math.max(1, opts.groups.length)
  const barW = Math.min(40, (groupW - 16) / Math.max(1, names.length))
  const { y } = scale
  let xAxis = ''
  const body = opts.groups
    .map((g, gi) => {
      const left = M.left + gi * groupW + (groupW - barW * names.length) / 2
      xAxis += `<text class="tick" x="${(M.left + gi * groupW + groupW / 2).toFixed(1)}" y="${M.top + PH + 18}" text-anchor="middle">${esc(g.label)}</text>`
      return g.bars
        .map((b) => {
          if (b.value === undefined) return ''
          const si = names.indexOf(b.name)
          const bx = left + si * barW
          const by = y(b.value)
          return `<rect class="bar" x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(M.top + PH - by).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}" data-series="${esc(b.name)}" data-x="${esc(g.label)}" data-value="${b.value}"><title>${esc(`${g.label}, ${b.name}: ${format(b.value)} ${opts.yLabel}`)}</title></rect><text class="bar-value" x="${(bx + barW / 2 - 1).toFixed(1)}" y="${(by - 4).toFixed(1)}" text-anchor="middle">${esc(format(b.value))}</text>`
        })
        .join('')
    })
    .join('\n')
  return frame(opts.id, opts.title, opts.yLabel, scale, format, body, names, xAxis)
}
