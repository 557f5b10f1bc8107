import { toMarkdown } from '@sd/benchmarks/lib/suite'
import { barChart, lineChart } from './charts.js'
import { megabytes, num } from './format-number.js'
import { esc } from './html.js'
import { referenceBatchSize } from './plan.js'
import { FIGURE_HEADER } from './table.js'
import type { ConfigResult, DatasetInfo, HarnessResult } from './types.js'

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #1d1d1f; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { margin-top: 40px; border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { margin-top: 24px; }
.meta, .note { color: #555; } .charts { display: flex; flex-wrap: wrap; gap: 16px; }
.chart { box-sizing: border-box; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; width: calc(50% - 8px); min-width: 420px; height: auto; }
.chart text { font: 11px system-ui, sans-serif; fill: #333; } .chart .chart-title { font-size: 13px; font-weight: 600; }
.chart .grid { stroke: #eee; } .chart .axis { stroke: #888; } .chart .line { fill: none; stroke-width: 2; }
.chart .bar-value { font-size: 10px; fill: #555; }
.empty { box-sizing: border-box; border: 1px dashed #bbb; border-radius: 6px; padding: 16px; color: #666; width: calc(50% - 8px); min-width: 420px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; } th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: right; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; } th { background: #f6f6f6; } tr.skipped td { color: #999; }
.best { background: #eef7ee; border-left: 4px solid #2e933c; padding: 8px 12px; } .warn { background: #fff6e5; border-left: 4px solid #edae49; padding: 8px 12px; }
code { background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
`

function empty(title: string, why: string): string {
  return `<div class="empty"><strong>${esc(title)}</strong><br>not measured: ${esc(why)}</div>`
}

function reasonOf(configs: ConfigResult[]): string {
  return configs.find((c) => c.status !== 'ok')?.reason ?? 'no configuration ran'
}

const ok = (c: ConfigResult) => c.status === 'ok' && c.figures !== undefined

/** Throughput (and memory) against batch size, one line per prefetch depth. */
function gridCharts(result: HarnessResult, format: string, configs: ConfigResult[]): string {
  const grid = configs.filter((c) => c.comparison === 'batch-prefetch')
  if (grid.length === 0) return ''
  const title = `${format}: records/s vs batch size, one line per prefetch depth`
  if (!grid.some(ok)) return empty(title, reasonOf(grid))
  const sizes = result.options.batchSizes
  const series = (pick: (c: ConfigResult) => number | undefined) =>
    result.options.prefetchDepths.map((depth) => ({
      name: `prefetch ${depth}`,
      values: sizes.map((size) => {
        const c = grid.find((g) => g.params.batchSize === size && g.params.prefetch === depth && ok(g))
        return c ? pick(c) : undefined
      }),
    }))
  const x = sizes.map((s) => num(s))
  return (
    lineChart({
      id: `${format}-batch-prefetch`,
      title,
      xTitle: 'batch size (records)',
      xLabels: x,
      yLabel: 'records/s',
      series: series((c) => c.figures?.recordsPerSecond),
    }) +
    lineChart({
      id: `${format}-batch-prefetch-rss`,
      title: `${format}: peak RSS vs batch size, one line per prefetch depth`,
      xTitle: 'batch size (records)',
      xLabels: x,
      yLabel: 'MiB',
      series: series((c) => c.figures?.peakRssMb),
      format: (n) => num(n, 0),
    })
  )
}

function cacheChart(format: string, configs: ConfigResult[]): string {
  const cache = configs.filter((c) => c.comparison === 'cache')
  if (cache.length === 0) return ''
  const title = `${format}: cache on vs off, first and repeated passes (records/s, log scale)`
  if (!cache.some(ok)) return empty(title, reasonOf(cache))
  const value = (on: string, pass: string) =>
    cache.find((c) => c.params.cache === on && c.params.pass === pass && ok(c))?.figures?.recordsPerSecond
  return barChart({
    id: `${format}-cache`,
    title,
    yLabel: 'records/s',
    log: true,
    groups: (['first', 'repeat'] as const).map((pass) => ({
      label: `${pass} pass`,
      bars: [
        { name: 'cache on', value: value('on', pass) },
        { name: 'cache off', value: value('off', pass) },
      ],
    })),
  })
}

function rawChart(format: string, configs: ConfigResult[]): string {
  const raw = configs.filter((c) => c.comparison === 'raw-parser')
  if (raw.length === 0) return ''
  const title = `${format}: sd loader vs raw parser (records/s)`
  if (!raw.some(ok)) return empty(title, reasonOf(raw))
  return barChart({
    id: `${format}-raw-parser`,
    title,
    yLabel: 'records/s',
    groups: [
      {
        label: format,
        // legend names kept short: "raw hyparquet (row group at a time)" -> "hyparquet"
        bars: raw.map((c) => ({
          name: c.label.replace(/^raw /, '').replace(/ \(.*\)$/, ''),
          value: ok(c) ? c.figures?.recordsPerSecond : undefined,
        })),
      },
    ],
  })
}

function vectorCharts(configs: ConfigResult[]): string {
  const vectors = configs.filter((c) => c.comparison === 'vector-access')
  if (vectors.length === 0) return ''
  const title = 'vectors: random vs sequential reads per backend (vectors/s)'
  if (!vectors.some(ok)) return empty(title, reasonOf(vectors))
  const backends = ['mmap', 'pread', 'whole-file'] as const
  const group = (pick: (c: ConfigResult) => number | undefined) =>
    backends.map((backend) => ({
      label: backend === 'whole-file' ? 'whole file' : backend,
      bars: (['sequential', 'random'] as const).map((access) => {
        const c = vectors.find((v) => v.params.backend === backend && v.params.access === access && ok(v))
        return { name: access, value: c ? pick(c) : undefined }
      }),
    }))
  return (
    barChart({
      id: 'vectors-access',
      title,
      yLabel: 'vectors/s',
      groups: group((c) => c.figures?.recordsPerSecond),
    }) +
    barChart({
      id: 'vectors-access-rss',
      title: 'vectors: peak RSS per backend and order (MiB)',
      yLabel: 'MiB',
      groups: group((c) => c.figures?.peakRssMb),
      format: (n) => num(n, 0),
    })
  )
}

function configTable(configs: ConfigResult[]): string {
  const head = ['comparison', ...FIGURE_HEADER, 'runs']
  const rows = configs.map((c) => {
    const f = c.figures
    if (!ok(c)) {
      return `<tr class="skipped"><td>${esc(c.comparison)}</td><td>${esc(c.label)}</td><td colspan="7">${esc(c.status)}: ${esc(c.reason ?? '')}</td></tr>`
    }
    const cells = [
      num(f?.recordsPerSecond),
      num(f?.mbPerSecond, 1),
      num(f?.timeToFirstBatchMs, 1),
      num(f?.p50BatchMs, 2),
      num(f?.p95BatchMs, 2),
      num(f?.peakRssMb, 0),
      `${c.warmup}+${c.runs}`,
    ]
    return `<tr data-id="${esc(c.id)}"><td>${esc(c.comparison)}</td><td>${esc(c.label)}</td>${cells.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`
  })
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function datasetSection(result: HarnessResult, dataset: DatasetInfo): string {
  const configs = result.configurations.filter((c) => c.format === dataset.format)
  if (configs.length === 0) return ''
  const size = `${megabytes(dataset.sizeBytes)}${dataset.rows === undefined ? '' : `, ${num(dataset.rows)} ${dataset.format === 'vectors' ? `vectors × ${dataset.dimension}` : 'rows'}`}`
  const charts =
    dataset.format === 'vectors'
      ? vectorCharts(configs)
      : gridCharts(result, dataset.format, configs) +
        cacheChart(dataset.format, configs) +
        rawChart(dataset.format, configs)
  const best = result.best.filter((b) => b.format === dataset.format)
  return `<section class="dataset" id="format-${esc(dataset.format)}">
<h2>${esc(dataset.format)}</h2>
<p class="meta"><code>${esc(dataset.path)}</code> (${esc(size)}${dataset.generated ? ', generated sample' : ''})</p>
${best.map((b) => `<p class="best">${esc(b.summary)}</p>`).join('')}
<div class="charts">${charts}</div>
${configTable(configs)}
</section>`
}

function peersSection(result: HarnessResult): string {
  if (!result.peers && !result.peerErrors) return ''
  const suites = (result.peers ?? [])
    .map((s) => {
      const md = toMarkdown(s)
      return `<h3>${esc(s.suite)}</h3><p class="meta">${esc(s.command)}</p><pre>${esc(md)}</pre>`
    })
    .join('')
  const errors = (result.peerErrors ?? [])
    .map((e) => `<p class="warn">${esc(e.suite)}: ${esc(e.error)}</p>`)
    .join('')
  return `<section id="peers"><h2>sd against its peers</h2>${errors}${suites}</section>`
}

/**
 * The report as one HTML document: inline CSS and SVG charts drawn here, the result embedded as
 * JSON, no script, font or image fetched from anywhere.
 */
export function renderReport(result: HarnessResult): string {
  const m = result.machine
  const o = result.options
  const unavailable = result.unavailable.map((u) => `<li>${esc(u.reason)}</li>`).join('')
  const data = JSON.stringify(result).replaceAll('<', '\\u003c')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sd-bench report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>sd-bench report</h1>
<p class="meta">${esc(result.ranAt)} · <code>${esc(result.command)}</code> · ${esc(num(result.durationSeconds, 0))} s<br>
Node ${esc(m.node)} · ${esc(m.cpus)} × ${esc(m.cpuModel)} · ${esc(m.memoryGb)} GB RAM<br>
batch sizes ${esc(o.batchSizes.map((b) => num(b)).join(', '))} · prefetch depths ${esc(o.prefetchDepths.join(', '))} · ${esc(o.warmup)} warm-up + ${esc(o.runs)} measured run(s) · consumer ${esc(o.workMsPer10k)} ms per 10,000 records · reference batch size ${esc(num(referenceBatchSize(o.batchSizes)))}${result.baselineRssMb === undefined ? '' : ` · an idle child process peaks at ${esc(num(result.baselineRssMb, 0))} MiB`}</p>
${unavailable ? `<div class="warn"><strong>Not measured:</strong><ul>${unavailable}</ul></div>` : ''}
<h2>Best configuration per format</h2>
${result.best.length > 0 ? `<ul>${result.best.map((b) => `<li>${esc(b.summary)}</li>`).join('')}</ul>` : '<p>No configuration was measured.</p>'}
${result.datasets.map((d) => datasetSection(result, d)).join('\n')}
${peersSection(result)}
<h2>How to read this</h2>
<ul class="note">${result.notes.map((n) => `<li>${esc(n)}</li>`).join('')}
<li>Rates are medians over the measured runs (${esc(o.runs)} per configuration, after ${esc(o.warmup)} warm-up); every figure is in <code>sd-bench.json</code> next to this file, and embedded below.</li></ul>
<script type="application/json" id="sd-bench-data">${data}</script>
</body>
</html>
`
}
