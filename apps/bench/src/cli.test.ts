import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { vectorFile } from '@sd/benchmarks/lib/data'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSuites, type PeerRun } from './peers.js'
import { launchChromium } from './test-support/browser.js'
import type { ConfigResult, HarnessResult } from './types.js'

const BIN = fileURLToPath(new URL('../bin/sd-bench.mjs', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const ROWS = 50_000
const VECTORS = 20_000

/** Whether a sibling package has sources in this checkout (else the harness must say it is unavailable). */
const present = (dir: string) => existsSync(join(ROOT, 'packages', dir, 'src', 'index.ts'))
const PACKAGES = { parquet: 'parquet', csv: 'csv', ndjson: 'json', vectors: 'mmap-vectors' } as const

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c
    })
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let dir: string
let run: Run
let result: HarnessResult

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sd-bench-test-'))
  run = await runCli(['--quick', '--out', join(dir, 'out'), '--data-dir', join(dir, 'data')])
  const json = join(dir, 'out', 'sd-bench.json')
  if (!existsSync(json))
    throw new Error(`sd-bench --quick wrote no JSON (exit ${run.code}):\n${run.stderr.slice(-3000)}`)
  result = JSON.parse(readFileSync(json, 'utf8')) as HarnessResult
}, 240_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function find(id: string): ConfigResult {
  const found = result.configurations.find((c) => c.id === id)
  if (!found) throw new Error(`no configuration ${id} in the JSON`)
  return found
}

/** Every configuration the issue asks for, with whether it needs an sd package. */
function expectedConfigs(): { id: string; format: keyof typeof PACKAGES; needsPackage: boolean }[] {
  const out: { id: string; format: keyof typeof PACKAGES; needsPackage: boolean }[] = []
  for (const format of ['parquet', 'csv', 'ndjson'] as const) {
    for (const batch of [1000, 10_000, 50_000]) {
      for (const prefetch of [0, 1, 2, 4, 8]) {
        out.push({
          id: `${format}/batch-prefetch/batch=${batch}/prefetch=${prefetch}`,
          format,
          needsPackage: true,
        })
      }
    }
    for (const cache of ['on', 'off']) {
      for (const pass of ['first', 'repeat']) {
        out.push({ id: `${format}/cache/cache=${cache}/pass=${pass}`, format, needsPackage: true })
      }
    }
    out.push({ id: `${format}/raw-parser/reader=sd`, format, needsPackage: true })
    out.push({ id: `${format}/raw-parser/reader=raw`, format, needsPackage: false })
  }
  for (const backend of ['mmap', 'pread', 'whole-file']) {
    for (const access of ['sequential', 'random']) {
      out.push({
        id: `vectors/vector-access/backend=${backend}/access=${access}`,
        format: 'vectors',
        needsPackage: backend !== 'whole-file',
      })
    }
  }
  return out
}

describe('sd-bench --quick, end to end', () => {
  it('exits cleanly, prints the table and the paths of its outputs, and shows progress on stderr', () => {
    expect(run.code, run.stderr.slice(-2000)).toBe(0)
    expect(run.stdout).toContain('## parquet')
    expect(run.stdout).toContain(`JSON:   ${join(dir, 'out', 'sd-bench.json')}`)
    expect(run.stdout).toContain(`report: ${join(dir, 'out', 'sd-bench.html')}`)
    // not a terminal: one plain progress line per step
    expect(run.stderr).toMatch(/^\[1\/\d+\] baseline child process: \d+ MiB$/m)
    expect(run.stderr).not.toContain('\r')
  })

  it('records the defaults the issue names and the data it generated', () => {
    expect(result.options).toMatchObject({
      quick: true,
      runs: 1,
      batchSizes: [1000, 10_000, 50_000],
      prefetchDepths: [0, 1, 2, 4, 8],
    })
    expect(result.datasets.map((d) => d.format)).toEqual(['parquet', 'csv', 'ndjson', 'vectors'])
    for (const d of result.datasets) {
      expect(d.generated).toBe(true)
      expect(d.sizeBytes).toBe(statSync(d.path).size)
      expect(d.rows).toBe(d.format === 'vectors' ? VECTORS : ROWS)
    }
    const vectors = result.datasets.find((d) => d.format === 'vectors')
    expect(vectors?.sizeBytes).toBe(VECTORS * 128 * 4)
  })

  it('has every configuration: measured when its package is here, else marked unavailable', () => {
    const expected = expectedConfigs()
    expect(result.configurations.map((c) => c.id).sort()).toEqual(expected.map((e) => e.id).sort())
    for (const e of expected) {
      const c = find(e.id)
      const pkg = PACKAGES[e.format]
      if (e.needsPackage && !present(pkg)) {
        expect(c.status, e.id).toBe('unavailable')
        expect(c.reason, e.id).toContain(`@sd/${pkg}`)
        expect(c.figures).toBeUndefined()
        continue
      }
      if (e.id.includes('backend=mmap') && c.status === 'unavailable') {
        // the package is here but its native addon was not built on this machine
        expect(c.reason).toMatch(/mmap backend of @sd\/mmap-vectors is not available/)
        continue
      }
      expect(c.status, `${e.id}: ${c.reason}`).toBe('ok')
      const f = c.figures
      if (!f) throw new Error(`${e.id} has no figures`)
      // every record of the generated file was read (the generator's own count is the reference)
      expect(f.records, e.id).toBe(e.format === 'vectors' ? VECTORS : ROWS)
      expect(f.samples).toHaveLength(result.options.runs)
      expect(f.recordsPerSecond).toBeCloseTo(f.records / f.seconds, 6)
      expect(f.mbPerSecond).toBeGreaterThan(0)
      expect(f.timeToFirstBatchMs).toBeGreaterThan(0)
      expect(f.p50BatchMs).toBeLessThanOrEqual(f.p95BatchMs ?? Number.NaN)
      expect(f.peakRssMb).toBeGreaterThan(0)
    }
  })

  it('names the fastest configuration of each format', () => {
    for (const format of ['parquet', 'csv', 'ndjson'] as const) {
      const grid = result.configurations.filter(
        (c) => c.format === format && c.comparison === 'batch-prefetch' && c.status === 'ok',
      )
      const best = result.best.find((b) => b.format === format)
      if (grid.length === 0) {
        expect(best?.scope ?? 'none').not.toBe('batch size × prefetch depth')
        continue
      }
      const fastest = grid.reduce((a, b) =>
        (b.figures?.recordsPerSecond ?? 0) > (a.figures?.recordsPerSecond ?? 0) ? b : a,
      )
      expect(best?.id).toBe(fastest.id)
      expect(run.stdout).toContain(best?.summary)
    }
    const random = result.best.find((b) => b.format === 'vectors' && b.scope === 'random access')
    const candidates = result.configurations.filter((c) => c.params.access === 'random' && c.status === 'ok')
    const fastest = candidates.reduce((a, b) =>
      (b.figures?.recordsPerSecond ?? 0) > (a.figures?.recordsPerSecond ?? 0) ? b : a,
    )
    expect(random?.id).toBe(fastest.id)
  })
})

describe('sd-bench <files>', () => {
  it('benchmarks the files it is given, with the format from each extension', async () => {
    const rows = 3000
    const tsv = join(dir, 'user-table.tsv')
    const lines = ['id\tname\tscore']
    for (let i = 0; i < rows; i++) lines.push(`${i}\tname ${i % 7}\t${(i * 0.25).toFixed(2)}`)
    writeFileSync(tsv, `${lines.join('\n')}\n`)
    const vectors = vectorFile(join(dir, 'user'), 500, 16)
    const out = join(dir, 'user-out')
    const files = await runCli([
      tsv,
      vectors,
      '--dimension',
      '16',
      '--only',
      'raw-parser,vector-access',
      '--runs',
      '1',
      '--warmup',
      '0',
      '--out',
      out,
    ])
    expect(files.code, files.stderr.slice(-2000)).toBe(0)
    const r = JSON.parse(readFileSync(join(out, 'sd-bench.json'), 'utf8')) as HarnessResult
    expect(r.datasets).toEqual([
      { format: 'csv', path: tsv, sizeBytes: statSync(tsv).size, generated: false, delimiter: '\t', rows },
      {
        format: 'vectors',
        path: vectors,
        sizeBytes: 500 * 16 * 4,
        generated: false,
        dimension: 16,
        headerBytes: 0,
        rows: 500,
      },
    ])
    expect(r.configurations.map((c) => c.comparison).sort()).toEqual([
      'raw-parser',
      'raw-parser',
      ...Array(6).fill('vector-access'),
    ])
    for (const c of r.configurations.filter((c) => c.status === 'ok')) {
      expect(c.figures?.records, c.id).toBe(c.format === 'csv' ? rows : 500)
    }
    expect(r.configurations.find((c) => c.id === 'csv/raw-parser/reader=raw')?.status).toBe('ok')
    expect(r.configurations.find((c) => c.id === 'csv/raw-parser/reader=sd')?.status).toBe(
      present('csv') ? 'ok' : 'unavailable',
    )
  }, 120_000)
})

describe('sd-bench peers', () => {
  it('runs a suite registered in benchmarks/suites.ts and names unknown ones', async () => {
    const loaded = await loadSuites()
    if (!loaded.ok) throw new Error(loaded.error)
    const name = Object.keys(loaded.suites).includes('core') ? 'core' : Object.keys(loaded.suites)[0]
    if (!name) throw new Error('benchmarks/suites.ts registers no suite')
    const out = join(dir, 'peers-out')
    const peers = await runCli(['peers', name, 'no-such-suite', '--quick', '--out', out])
    expect(peers.code).toBe(1)
    expect(peers.stderr).toContain('suite no-such-suite failed: no such suite (registered: ')
    const written = JSON.parse(readFileSync(join(out, 'peers.json'), 'utf8')) as PeerRun
    expect(written.results.map((r) => r.suite)).toEqual([name])
    expect(written.results[0]?.measurements.length).toBeGreaterThan(0)
    expect(peers.stdout).toContain(`## ${name}`)
  }, 120_000)
})

describe('the HTML report in headless Chromium', () => {
  it('renders every chart with its data points and makes no network request', async () => {
    const { browser } = await launchChromium()
    try {
      const page = await browser.newPage()
      await page.setViewport({ width: 1200, height: 900 })
      const report = pathToFileURL(join(dir, 'out', 'sd-bench.html')).href
      const requests: string[] = []
      page.on('request', (r) => {
        if (r.url() !== report) requests.push(r.url())
      })
      await page.goto(report, { waitUntil: 'load' })
      const shot = join(dir, 'report.png') as `${string}.png`
      await page.screenshot({ path: shot, fullPage: true })
      const png = readFileSync(shot)
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
      expect(png.length).toBeGreaterThan(20_000)

      const ok = (pick: (c: ConfigResult) => boolean) =>
        result.configurations.filter((c) => c.status === 'ok' && pick(c))
      const charts: { id: string; selector: string; configs: ConfigResult[] }[] = []
      for (const format of ['parquet', 'csv', 'ndjson'] as const) {
        const of = (comparison: string) => ok((c) => c.format === format && c.comparison === comparison)
        charts.push({
          id: `${format}-batch-prefetch`,
          selector: 'circle.point',
          configs: of('batch-prefetch'),
        })
        charts.push({ id: `${format}-cache`, selector: 'rect.bar', configs: of('cache') })
        charts.push({ id: `${format}-raw-parser`, selector: 'rect.bar', configs: of('raw-parser') })
      }
      charts.push({ id: 'vectors-access', selector: 'rect.bar', configs: ok((c) => c.format === 'vectors') })
      const drawn = charts.filter((c) => c.configs.length > 0)
      // raw parsers and whole-file vector reads need no sd package, so some charts always have data
      expect(drawn.length).toBeGreaterThanOrEqual(4)
      for (const chart of drawn) {
        const selector = `svg.chart#${chart.id} ${chart.selector}`
        const values = (
          await page.$$eval(selector, (els) => els.map((e) => Number(e.getAttribute('data-value'))))
        ).sort((a, b) => a - b)
        expect(values.length, chart.id).toBe(chart.configs.length)
        expect(values, chart.id).toEqual(
          chart.configs.map((c) => c.figures?.recordsPerSecond).sort((a, b) => (a ?? 0) - (b ?? 0)),
        )
        const box = await (await page.$(selector))?.boundingBox()
        expect(box?.width, chart.id).toBeGreaterThan(0)
        expect(box?.height, chart.id).toBeGreaterThan(0)
      }
      const text = await page.$eval('body', (b) => b.textContent ?? '')
      for (const chart of charts.filter((c) => c.configs.length === 0)) {
        // a comparison whose package is missing says so instead of drawing an empty chart
        expect(await page.$$eval(`svg.chart#${chart.id}`, (els) => els.length), chart.id).toBe(0)
        expect(text).toMatch(/not measured: package not available/)
      }
      expect(requests).toEqual([])
    } finally {
      await browser.close()
    }
  }, 120_000)
})
