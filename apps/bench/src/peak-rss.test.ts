import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SCRIPT = fileURLToPath(new URL('../../../benchmarks/lib/peak-rss.ts', import.meta.url))
const TSX = import.meta.resolve('tsx/esm')

describe('peakRssMb in a child process', () => {
  it('reports the child alone, where maxRSS also counts the parent that spawned it', () => {
    const ballast = Buffer.alloc(300 << 20, 1)
    const code = `import { peakRssMb } from ${JSON.stringify(SCRIPT)}
console.log(JSON.stringify({ peak: peakRssMb(), maxRSS: process.resourceUsage().maxRSS / 1024 }))`
    const out = execFileSync(process.execPath, [
      '--import',
      TSX,
      '--input-type=module',
      '-e',
      code,
    ]).toString()
    const { peak, maxRSS } = JSON.parse(out) as { peak: number; maxRSS: number }
    expect(ballast[ballast.length - 1]).toBe(1)
    // the parent holds 300 MiB of touched pages: maxRSS inherits them across fork + exec
    expect(maxRSS).toBeGreaterThan(300)
    expect(peak).toBeGreaterThan(10)
    expect(peak).toBeLessThan(200)
  })
})
