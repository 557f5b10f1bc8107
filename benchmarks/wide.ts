import { writeFileSync } from 'node:fs'
import { loadCsv } from '@sd/csv'
import { loadJson } from '@sd/json'
const cols = 80_000
writeFileSync('/tmp/wide80k.csv', `${Array.from({ length: cols }, (_, i) => `c${i}`).join(',')}\n${Array.from({ length: cols }, (_, i) => i % 10).join(',')}\n`)
const keys = 40_000
writeFileSync('/tmp/wide40k.ndjson', `${JSON.stringify(Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i])))}\n`)
writeFileSync('/tmp/wide2k.csv', [Array.from({ length: 2000 }, (_, i) => `c${i}`).join(','), ...Array.from({ length: 10 }, (_, r) => Array.from({ length: 2000 }, (_, i) => `${r * i}`).join(','))].join('\n') + '\n')
for (const [name, f] of [['80k csv', () => loadCsv('/tmp/wide80k.csv').collect()], ['40k ndjson', () => loadJson('/tmp/wide40k.ndjson').collect()], ['2k x 10 csv', () => loadCsv('/tmp/wide2k.csv').collect()]] as const) {
  const rss0 = process.memoryUsage().rss
  const t = performance.now()
  const b = await f()
  console.log(name, b.numRows, b.numColumns, (performance.now() - t).toFixed(0), 'ms', ((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(0), 'MiB rss+', (b.byteSize / 2 ** 20).toFixed(1), 'MiB batch')
}
