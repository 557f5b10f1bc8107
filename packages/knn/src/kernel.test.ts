import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Kernel } from './kernel.js'
import { type Metric, prepareQueries } from './metric.js'
import { mulberry32 } from './random.js'
import { rankHeaps } from './results.js'
import { scanList, scanRange } from './scan.js'

function randomRows(n: number, d: number, seed: number): Float32Array {
  const rand = mulberry32(seed)
  return Float32Array.from({ length: n * d }, () => rand() * 2 - 1)
}

/** The plain JS reference: every score in float64, sorted best first (ties by lower index). */
function reference(
  metric: Metric,
  rows: Float32Array,
  queries: Float32Array,
  d: number,
  k: number,
  allowed?: (r: number) => boolean,
) {
  const n = rows.length / d
  const out: { index: number; score: number }[][] = []
  for (let q = 0; q < queries.length / d; q++) {
    const all: { index: number; score: number }[] = []
    for (let r = 0; r < n; r++) {
      if (allowed && !allowed(r)) continue
      let dot = 0
      let qq = 0
      let xx = 0
      let l2 = 0
      for (let i = 0; i < d; i++) {
        const a = queries[q * d + i] as number
        const b = rows[r * d + i] as number
        dot += a * b
        qq += a * a
        xx += b * b
        l2 += (a - b) * (a - b)
      }
      const score =
        metric === 'dot'
          ? dot
          : metric === 'euclidean'
            ? 1 / (1 + Math.sqrt(l2))
            : qq > 0 && xx > 0
              ? dot / Math.sqrt(qq * xx)
              : 0
      all.push({ index: r, score })
    }
    all.sort((a, b) => b.score - a.score || a.index - b.index)
    out.push(all.slice(0, k))
  }
  return out
}

describe('the WebAssembly kernel', () => {
  it.each([
    ['cosine', 128],
    ['euclidean', 128],
    ['dot', 128],
    ['cosine', 13],
    ['euclidean', 7],
    ['dot', 2],
  ] as [Metric, number][])('%s top-k equals a plain JS reference (dimension %i)', (metric, d) => {
    const n = 1500 // several tiles, and odd sizes at every edge (rows, queries, dimensions)
    const rows = randomRows(n, d, 7)
    const queries = randomRows(19, d, 8)
    const k = 10
    const kernel = new Kernel()
    const got = rankHeaps(
      metric,
      scanRange(kernel, metric, k, prepareQueries(metric, queries, d), { vectors: rows, dimension: d }, 0, n),
    )
    const want = reference(metric, rows, queries, d, k)
    for (let q = 0; q < want.length; q++) {
      expect(got[q]?.map((h) => h.index)).toEqual(want[q]?.map((h) => h.index))
      got[q]?.forEach((h, j) => {
        expect(h.score).toBeCloseTo(want[q]?.[j]?.score as number, 4)
      })
    }
  })

  it('honours a row mask and a gathered row list, and keeps fewer than k when fewer rows qualify', () => {
    const d = 32
    const n = 2000
    const rows = randomRows(n, d, 3)
    const queries = randomRows(5, d, 4)
    const allowed = (r: number) => r % 97 === 3
    const mask = Uint8Array.from({ length: n }, (_, r) => (allowed(r) ? 1 : 0))
    const list = Int32Array.from({ length: n }, (_, r) => r).filter(allowed)
    const kernel = new Kernel()
    const prepared = prepareQueries('euclidean', queries, d)
    const k = 50 // more than the 21 allowed rows
    const want = reference('euclidean', rows, queries, d, k, allowed)
    const byMask = rankHeaps(
      'euclidean',
      scanRange(kernel, 'euclidean', k, prepared, { vectors: rows, dimension: d, mask }, 0, n),
    )
    const byList = rankHeaps(
      'euclidean',
      scanList(kernel, 'euclidean', k, prepared, { vectors: rows, dimension: d }, list, 0, list.length),
    )
    expect(want[0]?.length).toBe(21)
    for (const got of [byMask, byList])
      expect(got.map((q) => q.map((h) => h.index))).toEqual(want.map((q) => q.map((h) => h.index)))
  })

  it('breaks ties by the lower row index', () => {
    const d = 4
    const rows = new Float32Array(40).fill(1) // ten equal rows
    const kernel = new Kernel()
    const got = rankHeaps(
      'dot',
      scanRange(kernel, 'dot', 3, Float32Array.of(1, 0, 0, 0), { vectors: rows, dimension: d }, 0, 10),
    )
    expect(got[0]?.map((h) => h.index)).toEqual([0, 1, 2])
  })

  it('is the build of assembly/kernel.ts that is committed', () => {
    const script = join(import.meta.dirname, '..', 'scripts', 'build-wasm.mjs')
    const fresh = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { compileKernel, kernelModuleSource } from ${JSON.stringify(script)}; process.stdout.write(kernelModuleSource(compileKernel()))`,
      ],
      { encoding: 'utf8' },
    )
    expect(readFileSync(join(import.meta.dirname, 'kernel-wasm.ts'), 'utf8')).toBe(fresh)
  }, 60_000)
})
